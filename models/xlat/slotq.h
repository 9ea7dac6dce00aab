/*
 * slotq.h - counted FIFO queues of an MMU's request slots, linked through the
 * slots' own `next` field (no allocation). Both MMUs (cpu_mmu, iommu) keep
 * their pending slots in such queues; XLAT_SLOTQ_DEFINE generates the four
 * operations for a slot type and a queue type with head, tail and n fields.
 */
#ifndef MIGSIM_MODELS_XLAT_SLOTQ_H
#define MIGSIM_MODELS_XLAT_SLOTQ_H

#include <stddef.h>

#define XLAT_SLOTQ_DEFINE(prefix, qtype, stype)                                              \
    /* Append s at the tail. */                                                               \
    static inline void prefix##_push(qtype *q, stype *s)                                      \
    {                                                                                         \
        s->next = NULL;                                                                       \
        if (q->tail)                                                                          \
            q->tail->next = s;                                                                \
        else                                                                                  \
            q->head = s;                                                                      \
        q->tail = s;                                                                          \
        q->n++;                                                                               \
    }                                                                                         \
    /* Put s back at the head. */                                                             \
    static inline void prefix##_push_front(qtype *q, stype *s)                                \
    {                                                                                         \
        s->next = q->head;                                                                    \
        q->head = s;                                                                          \
        if (!q->tail)                                                                         \
            q->tail = s;                                                                      \
        q->n++;                                                                               \
    }                                                                                         \
    /* Take the head, NULL when empty. */                                                     \
    static inline stype *prefix##_pop(qtype *q)                                               \
    {                                                                                         \
        stype *s = q->head;                                                                   \
        if (!s)                                                                               \
            return NULL;                                                                      \
        q->head = s->next;                                                                    \
        if (!q->head)                                                                         \
            q->tail = NULL;                                                                   \
        q->n--;                                                                               \
        s->next = NULL;                                                                       \
        return s;                                                                             \
    }                                                                                         \
    /* Unlink s, whose predecessor in q is prev (NULL at the head). */                        \
    static inline void prefix##_unlink(qtype *q, stype *prev, stype *s)                       \
    {                                                                                         \
        if (prev)                                                                             \
            prev->next = s->next;                                                             \
        else                                                                                  \
            q->head = s->next;                                                                \
        if (q->tail == s)                                                                     \
            q->tail = prev;                                                                   \
        q->n--;                                                                               \
        s->next = NULL;                                                                       \
    }

#endif /* MIGSIM_MODELS_XLAT_SLOTQ_H */
