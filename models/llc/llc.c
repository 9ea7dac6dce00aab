/*
 * llc.c - the memory-side last-level cache (see llc.h).
 */
#include "llc/llc.h"
#include "migsim/errors.h"
#include "migsim/sim.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#define LLC_SSE2 1 /* set searches compare four ways at a time */
#endif

static inline uint64_t llc_set(const llc_t *c, uint64_t line) { return line & (c->sets - 1); }
static inline uint8_t *llc_bytes(llc_t *c, uint64_t set, uint32_t w)
{
    return &c->data[(set * c->ways + w) * LLC_LINE];
}

/*
 * A line of zeros is kept as a flag (LLC_ZERO) and its 64 bytes are not
 * touched: a page copy of memory never written streams lines of zeros
 * through the cache, and writing, then copying out, cold bytes costs the
 * host far more than the simulated work. The bytes are written out when a
 * partial write needs them.
 */

/* Set the whole line from src. */
static void line_set(llc_t *c, uint64_t set, uint32_t w, const uint8_t *src)
{
    uint8_t *f = &c->flags[set * c->ways + w];
    if (migsim_bytes_zero(src, LLC_LINE)) {
        *f |= LLC_ZERO;
    } else {
        *f &= (uint8_t)~LLC_ZERO;
        memcpy(llc_bytes(c, set, w), src, LLC_LINE);
    }
}

/* The line's bytes, written out first when it is kept as zeros (for a partial update). */
static uint8_t *line_bytes_rw(llc_t *c, uint64_t set, uint32_t w)
{
    uint8_t *f = &c->flags[set * c->ways + w];
    if (*f & LLC_ZERO) {
        memset(llc_bytes(c, set, w), 0, LLC_LINE);
        *f &= (uint8_t)~LLC_ZERO;
    }
    return llc_bytes(c, set, w);
}

/* Copy n bytes of the line from offset off. */
static void line_get(const llc_t *c, uint64_t set, uint32_t w, uint32_t off, void *dst, size_t n)
{
    if (c->flags[set * c->ways + w] & LLC_ZERO)
        memset(dst, 0, n);
    else
        memcpy(dst, &c->data[(set * c->ways + w) * LLC_LINE + off], n);
}

/* The tag stored for `line`: line / sets + 1 (0 marks an empty way); 0 when it does not fit. */
static inline uint32_t llc_tag(const llc_t *c, uint64_t line)
{
    uint64_t tag = (line >> c->set_shift) + 1;   /* sets is a power of two */
    return tag <= UINT32_MAX ? (uint32_t)tag : 0;
}

/* A set's metadata: `ways` tags, then `ways` use stamps (see llc_t.meta). */
static inline uint32_t *set_tags(const llc_t *c, uint64_t set) { return &c->meta[set * 2 * c->ways]; }
static inline uint32_t *set_stamps(const llc_t *c, uint64_t set) { return set_tags(c, set) + c->ways; }

/* The first way i < n with t[i] == v, or -1 (SSE2: four tags per compare). */
static inline int first_equal(const uint32_t *t, uint32_t n, uint32_t v)
{
    uint32_t i = 0;
#ifdef LLC_SSE2
    __m128i vv = _mm_set1_epi32((int)v);
    for (; i + 4 <= n; i += 4) {
        int m = _mm_movemask_ps(_mm_castsi128_ps(
            _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(t + i)), vv)));
        if (m)
            return (int)(i + (uint32_t)__builtin_ctz((unsigned)m));
    }
#endif
    for (; i < n; i++)
        if (t[i] == v)
            return (int)i;
    return -1;
}

/* The way holding `line`, or -1. */
static int llc_find(llc_t *c, uint64_t line)
{
    uint32_t tag = llc_tag(c, line);
    if (!tag)
        return -1;
    return first_equal(set_tags(c, llc_set(c, line)), c->ways, tag);
}

/* The way a new line of `set` takes: the first empty one, else the least recently used. */
static uint32_t llc_victim(const llc_t *c, uint64_t set)
{
    int e = first_equal(set_tags(c, set), c->ways, 0);
    if (e >= 0)
        return (uint32_t)e;
    /* every way is valid: stamps are distinct (one clock tick per use), so the minimum is one way */
    const uint32_t *st = set_stamps(c, set);
    uint32_t n = c->ways, i = 0, mn = UINT32_MAX;
#ifdef LLC_SSE2
    if (n >= 4) {
        /* unsigned minimum from the signed compare: flip the top bit */
        const __m128i bias = _mm_set1_epi32(INT32_MIN);
        __m128i m = _mm_set1_epi32(INT32_MAX);
        for (; i + 4 <= n; i += 4) {
            __m128i x = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(st + i)), bias);
            __m128i lt = _mm_cmplt_epi32(x, m);
            m = _mm_or_si128(_mm_and_si128(lt, x), _mm_andnot_si128(lt, m));
        }
        uint32_t lane[4];
        _mm_storeu_si128((__m128i *)lane, _mm_xor_si128(m, bias));
        for (int j = 0; j < 4; j++)
            mn = lane[j] < mn ? lane[j] : mn;
    }
#endif
    for (; i < n; i++)
        mn = st[i] < mn ? st[i] : mn;
    return (uint32_t)first_equal(st, n, mn);
}

/*
 * The use clock is 32 bits: when it wraps, every set's stamps are replaced
 * by their ranks (0 = least recent), which keeps each set's LRU order.
 */
static void llc_renumber(llc_t *c)
{
    for (uint64_t s = 0; s < c->sets; s++) {
        uint32_t *st = set_stamps(c, s);
        uint32_t rank[64];
        for (uint32_t i = 0; i < c->ways; i++) {
            rank[i] = 0;
            for (uint32_t j = 0; j < c->ways; j++)
                rank[i] += st[j] < st[i] || (st[j] == st[i] && j < i);
        }
        for (uint32_t i = 0; i < c->ways; i++)
            st[i] = rank[i];
    }
    c->use_clock = c->ways;
}

/* Queue a request for memory and send what memory takes. */
static void llc_pump(llc_t *c)
{
    while (c->oq_head && !c->mem_blocked) {
        migsim_req_t *r = c->oq_head;
        migsim_req_t *next = r->next;
        if (migsim_port_send(&c->mem, r) != 0) {
            c->mem_blocked = true;
            return;
        }
        c->oq_head = next;
        if (!next)
            c->oq_tail = NULL;
        c->oq_n--;
    }
}

static void llc_to_mem(llc_t *c, migsim_req_t *r)
{
    r->next = NULL;
    if (c->oq_tail)
        c->oq_tail->next = r;
    else
        c->oq_head = r;
    c->oq_tail = r;
    c->oq_n++;
}

/* Allocate a way for `line` in its set, writing back a dirty victim. Returns the way. */
static uint32_t llc_allocate(llc_t *c, uint64_t line, const migsim_req_t *cause)
{
    uint64_t set = llc_set(c, line), base = set * c->ways;
    uint32_t *tags = set_tags(c, set);
    uint32_t v = llc_victim(c, set);
    if (tags[v] && (c->flags[base + v] & LLC_DIRTY)) {
        migsim_req_t *wb = migsim_req_alloc(c->comp.pool);
        if (!wb) {
            migsim_sim_fail(c->comp.sim, MIGSIM_ENOMEM);
        } else {
            wb->addr = wb->orig_addr = (((uint64_t)tags[v] - 1) * c->sets + set) * LLC_LINE;
            wb->size = LLC_LINE;
            wb->op = MIGSIM_OP_WRITE;
            wb->flags = MIGSIM_REQ_HAS_DATA;
            wb->src_kind = cause->src_kind;
            wb->src_idx = cause->src_idx;
            wb->cookie = NULL; /* a write-back: freed when memory answers */
            wb->t_issue = c->comp.k->now;
            line_get(c, set, v, 0, wb->data, LLC_LINE);
            c->st_writebacks++;
            llc_to_mem(c, wb);
        }
    }
    tags[v] = llc_tag(c, line); /* llc_recv refused lines whose tag does not fit */
    c->flags[base + v] = 0;
    return v;
}

/* Serve `req` from the line in (set, way): copy bytes in or out, mark dirty on writes. */
static void llc_access(llc_t *c, migsim_req_t *req, uint64_t set, uint32_t way)
{
    if (++c->use_clock == 0)
        llc_renumber(c);
    set_stamps(c, set)[way] = c->use_clock;
    uint32_t off = (uint32_t)(req->addr % LLC_LINE);
    if (req->op == MIGSIM_OP_WRITE) {
        if (req->flags & MIGSIM_REQ_CAS) {
            uint8_t cur[LLC_LINE];
            line_get(c, set, way, off, cur, req->size);
            if (memcmp(cur, req->data + req->size, req->size) != 0) {
                req->flags |= MIGSIM_REQ_CAS_FAILED;  /* the bytes changed: write nothing */
                return;
            }
        }
        if (req->flags & MIGSIM_REQ_HAS_DATA) {
            if (req->size == LLC_LINE)
                line_set(c, set, way, req->data);
            else
                memcpy(line_bytes_rw(c, set, way) + off, req->data, req->size);
            if (c->on_commit)
                c->on_commit(c->on_commit_ctx, req, c->comp.k->now);
        }
        c->flags[set * c->ways + way] |= LLC_DIRTY;
    } else if (req->flags & MIGSIM_REQ_HAS_DATA) {
        line_get(c, set, way, off, req->data, req->size);
    }
}

static void llc_answer_later(llc_t *c, migsim_req_t *req)
{
    req->t_done = c->comp.k->now + c->hit_ps;
    req->next = NULL;
    if (c->rsp_tail)
        c->rsp_tail->next = req;
    else
        c->rsp_head = req;
    c->rsp_tail = req;
    if (!migsim_event_queued(&c->rsp_ev))
        migsim_schedule(c->comp.k, &c->rsp_ev, c->rsp_head->t_done);
}

static void llc_rsp_event(migsim_event_t *ev)
{
    llc_t *c = ev->ctx;
    migsim_tick_t now = c->comp.k->now;
    while (c->rsp_head && c->rsp_head->t_done <= now) {
        migsim_req_t *r = c->rsp_head;
        c->rsp_head = r->next;
        if (!c->rsp_head)
            c->rsp_tail = NULL;
        r->next = NULL;
        migsim_port_respond(&c->in, r);
    }
    if (c->rsp_head)
        migsim_schedule(c->comp.k, &c->rsp_ev, c->rsp_head->t_done);
}

static int llc_recv(migsim_port_t *port, migsim_req_t *req)
{
    llc_t *c = (llc_t *)port->owner;
    if (req->size == 0 || req->addr % LLC_LINE + req->size > LLC_LINE) {
        migsim_sim_fail(c->comp.sim, migsim_error(MIGSIM_EINVAL, "%s: request crosses a %u-byte line",
                                                   c->comp.name, LLC_LINE));
        return MIGSIM_EBUSY;
    }
    bool write = req->op == MIGSIM_OP_WRITE;
    uint64_t line = req->addr / LLC_LINE;
    if (!llc_tag(c, line)) {
        migsim_sim_fail(c->comp.sim,
                        migsim_error(MIGSIM_EINVAL, "%s: address 0x%llx is beyond the %llu sets' "
                                     "32-bit tags (below %llu GiB)", c->comp.name,
                                     (unsigned long long)req->addr, (unsigned long long)c->sets,
                                     (unsigned long long)((c->sets * LLC_LINE) << 2)));
        return MIGSIM_EBUSY;
    }
    /* a miss to a line already being filled waits on the same miss register */
    for (uint32_t i = 0; c->pending[llc_set(c, line)] && i < c->mshrs; i++) {
        llc_mshr_t *m = &c->mshr[i];
        if (m->busy && m->line == line) {
            req->next = NULL;
            m->tail->next = req;
            m->tail = req;
            c->st_merged++;
            c->st_bytes += req->size;
            if (write)
                c->st_write_misses++;
            else
                c->st_read_misses++;
            return MIGSIM_OK;
        }
    }
    int way = llc_find(c, line);
    uint64_t set = llc_set(c, line);
    if (way >= 0) {
        c->st_bytes += req->size;
        if (write)
            c->st_write_hits++;
        else
            c->st_read_hits++;
        llc_access(c, req, set, (uint32_t)way);
        llc_answer_later(c, req);
        return MIGSIM_OK;
    }
    /* a miss: room for a fill and a write-back must exist before anything changes */
    if (c->oq_n + 2 > 2 * c->mshrs || (c->mshr_busy == c->mshrs && !(write && req->size == LLC_LINE))) {
        c->want_retry = true;
        c->st_refused++;
        return MIGSIM_EBUSY;
    }
    c->st_bytes += req->size;
    if (write)
        c->st_write_misses++;
    else
        c->st_read_misses++;
    if (write && req->size == LLC_LINE) {
        /* a whole-line write needs no fill */
        c->st_full_line_writes++;
        uint32_t w = llc_allocate(c, line, req);
        llc_access(c, req, set, w);
        llc_answer_later(c, req);
        llc_pump(c);
        return MIGSIM_OK;
    }
    llc_mshr_t *m = c->mshr;
    while (m->busy)
        m++;
    migsim_req_t *fill = migsim_req_alloc(c->comp.pool);
    if (!fill) {
        migsim_sim_fail(c->comp.sim, MIGSIM_ENOMEM);
        return MIGSIM_EBUSY;
    }
    m->busy = true;
    m->line = line;
    m->head = m->tail = req;
    req->next = NULL;
    c->mshr_busy++;
    c->pending[llc_set(c, line)]++;
    fill->addr = fill->orig_addr = line * LLC_LINE;
    fill->size = LLC_LINE;
    fill->op = MIGSIM_OP_READ;
    fill->flags = MIGSIM_REQ_HAS_DATA;
    fill->src_kind = req->src_kind;
    fill->src_idx = req->src_idx;
    fill->cookie = m;
    fill->t_issue = c->comp.k->now;
    c->st_fills++;
    llc_to_mem(c, fill);
    llc_pump(c);
    return MIGSIM_OK;
}

static void llc_mem_resp(migsim_port_t *port, migsim_req_t *r)
{
    llc_t *c = (llc_t *)port->owner;
    llc_mshr_t *m = r->cookie;
    if (m) {
        uint64_t set = llc_set(c, m->line);
        uint32_t w = llc_allocate(c, m->line, r);
        /* bytes written functionally after the fill's read are in memory: take them from there */
        if (m->stale && c->backing.read)
            c->backing.read(c->backing.ctx, m->line * LLC_LINE, r->data, LLC_LINE);
        line_set(c, set, w, r->data);
        m->stale = false;
        /*
         * Apply every waiting access in arrival order, free the miss register,
         * and only then answer: an answer may make its initiator send again at
         * once, and that request must find the line installed with all older
         * accesses applied (not a miss register that is about to be freed).
         */
        migsim_req_t *q = m->head;
        for (migsim_req_t *x = q; x; x = x->next)
            llc_access(c, x, set, w);
        m->busy = false;
        m->head = m->tail = NULL;
        c->mshr_busy--;
        c->pending[set]--;
        for (migsim_req_t *next; q; q = next) {
            next = q->next;
            q->next = NULL;
            migsim_port_respond(&c->in, q);
        }
    }
    migsim_req_free(c->comp.pool, r);
    llc_pump(c);
    if (c->want_retry) {
        c->want_retry = false;
        migsim_port_retry(&c->in);
    }
}

static void llc_mem_retry(migsim_port_t *port)
{
    llc_t *c = (llc_t *)port->owner;
    c->mem_blocked = false;
    llc_pump(c);
    if (c->want_retry && c->oq_n + 2 <= 2 * c->mshrs) {
        c->want_retry = false;
        migsim_port_retry(&c->in);
    }
}

static void fview_read(void *ctx, uint64_t addr, void *dst, size_t len)
{
    llc_t *c = ctx;
    uint8_t *p = dst;
    while (len) {
        size_t n = LLC_LINE - (size_t)(addr % LLC_LINE);
        if (n > len)
            n = len;
        int w = llc_find(c, addr / LLC_LINE);
        if (w >= 0)
            line_get(c, llc_set(c, addr / LLC_LINE), (uint32_t)w, (uint32_t)(addr % LLC_LINE), p, n);
        else
            c->backing.read(c->backing.ctx, addr, p, n);
        p += n;
        addr += n;
        len -= n;
    }
}

static int fview_write(void *ctx, uint64_t addr, const void *src, size_t len)
{
    llc_t *c = ctx;
    int rc = c->backing.write(c->backing.ctx, addr, src, len);
    /* write-backs not yet sent carry older bytes: they must not undo this write */
    for (migsim_req_t *r = c->oq_head; r; r = r->next) {
        if (r->op != MIGSIM_OP_WRITE)
            continue;
        uint64_t lo = r->addr > addr ? r->addr : addr;
        uint64_t hi = r->addr + r->size < addr + len ? r->addr + r->size : addr + len;
        if (lo < hi)
            memcpy(r->data + (lo - r->addr), (const uint8_t *)src + (lo - addr), (size_t)(hi - lo));
    }
    const uint8_t *p = src;
    while (len) {
        size_t n = LLC_LINE - (size_t)(addr % LLC_LINE);
        if (n > len)
            n = len;
        int w = llc_find(c, addr / LLC_LINE);
        if (w >= 0) {
            memcpy(line_bytes_rw(c, llc_set(c, addr / LLC_LINE), (uint32_t)w) + addr % LLC_LINE, p, n);
        } else {
            /* a fill under way read the old bytes: it must take the new ones when it lands */
            for (uint32_t i = 0; c->pending[llc_set(c, addr / LLC_LINE)] && i < c->mshrs; i++)
                if (c->mshr[i].busy && c->mshr[i].line == addr / LLC_LINE)
                    c->mshr[i].stale = true;
        }
        p += n;
        addr += n;
        len -= n;
    }
    return rc;
}

void llc_set_commit_observer(llc_t *c, migsim_commit_fn fn, void *ctx)
{
    c->on_commit = fn;
    c->on_commit_ctx = ctx;
}

migsim_fmem_t llc_fmem(llc_t *c, migsim_fmem_t *backing)
{
    c->backing = *backing;
    return (migsim_fmem_t){ .ctx = c, .read = fview_read, .write = fview_write };
}

static int llc_init(migsim_comp_t *comp)
{
    llc_t *c = (llc_t *)comp;
    uint64_t line_ways = (uint64_t)c->ways * LLC_LINE;
    if (c->size_bytes % line_ways || !c->size_bytes)
        return migsim_error(MIGSIM_ECONFIG, "size_bytes %llu is not a multiple of ways * 64",
                            (unsigned long long)c->size_bytes);
    c->sets = c->size_bytes / line_ways;
    if (c->sets & (c->sets - 1))
        return migsim_error(MIGSIM_ECONFIG, "size_bytes / (ways * 64) = %llu sets is not a power of two",
                            (unsigned long long)c->sets);
    for (c->set_shift = 0; (1ull << c->set_shift) < c->sets; c->set_shift++)
        ;
    c->meta = calloc(c->sets * c->ways * 2, sizeof *c->meta);
    c->flags = calloc(c->sets * c->ways, 1);
    c->pending = calloc(c->sets, sizeof *c->pending);
    c->data = calloc(c->sets * c->ways, LLC_LINE);
    c->mshr = calloc(c->mshrs, sizeof *c->mshr);
    if (!c->meta || !c->flags || !c->pending || !c->data || !c->mshr)
        return migsim_error(MIGSIM_ENOMEM, "out of memory for a %llu-byte cache",
                            (unsigned long long)c->size_bytes);
    return migsim_event_init(comp->k, &c->rsp_ev, llc_rsp_event, c, 5, 0, "llc.rsp");
}

static void llc_finalize(migsim_comp_t *comp)
{
    llc_t *c = (llc_t *)comp;
    uint64_t hits = c->st_read_hits + c->st_write_hits;
    uint64_t all = hits + c->st_read_misses + c->st_write_misses;
    c->st_hit_rate = all ? (double)hits / (double)all : 0;
}

static void llc_fini(migsim_comp_t *comp)
{
    llc_t *c = (llc_t *)comp;
    free(c->meta);
    free(c->flags);
    free(c->pending);
    free(c->data);
    free(c->mshr);
    c->meta = NULL;
    c->flags = NULL;
    c->pending = NULL;
    c->data = NULL;
    c->mshr = NULL;
    if (c->rsp_ev.fn)
        migsim_event_fini(comp->k, &c->rsp_ev);
}

static const migsim_param_t llc_params[] = {
    MIGSIM_PARAM_U64(llc_t, "size_bytes", size_bytes, "bytes", 8u << 20, 1024, 1ull << 34,
                     "capacity; size / (ways * 64) must be a power of two"),
    MIGSIM_PARAM_U32(llc_t, "ways", ways, "", 16, 1, 64, "associativity"),
    MIGSIM_PARAM_U64(llc_t, "hit_ps", hit_ps, "ps", 10000, 0, 0, "hit latency"),
    MIGSIM_PARAM_U32(llc_t, "mshrs", mshrs, "", 32, 1, 4096, "misses outstanding at most"),
    MIGSIM_PARAMS_END,
};

static const migsim_port_def_t llc_ports[] = {
    /* answered here: fills and write-backs are the cache's own requests */
    MIGSIM_PORT_TARGET_ROUTE(llc_t, "in", in, llc_recv, false, 0, true,
                             "requests, at most one line each"),
    MIGSIM_PORT_INITIATOR(llc_t, "mem", mem, llc_mem_resp, llc_mem_retry,
                          "fills (64-byte reads) and write-backs (64-byte writes)"),
    MIGSIM_PORTS_END,
};

#define LS(n, f, u, h) MIGSIM_STAT_U64(llc_t, n, f, u, h)

static const migsim_stat_def_t llc_stats[] = {
    LS("read_hits", st_read_hits, "requests", "reads that found their line"),
    LS("read_misses", st_read_misses, "requests", "reads that waited for a fill"),
    LS("write_hits", st_write_hits, "requests", "writes that found their line"),
    LS("write_misses", st_write_misses, "requests", "writes that did not find their line"),
    LS("merged_misses", st_merged, "requests", "misses that joined a fill already under way"),
    LS("full_line_writes", st_full_line_writes, "requests", "write misses of a whole line, allocated without a fill"),
    LS("fills", st_fills, "requests", "64-byte reads from memory"),
    LS("writebacks", st_writebacks, "requests", "64-byte writes of dirty victims"),
    LS("refused_reqs", st_refused, "requests", "sends refused: no miss register or memory queue full"),
    LS("bytes", st_bytes, "bytes", "bytes of the requests accepted"),
    MIGSIM_STAT_F64(llc_t, "hit_rate", st_hit_rate, "ratio", "hits / requests"),
    MIGSIM_STATS_END,
};

const migsim_comp_ops_t llc_ops = {
    .type = "llc",
    .help = "memory-side last-level cache: set-associative, LRU, write-back, write-allocate, "
            "miss registers, real bytes",
    .size = sizeof(llc_t),
    .params = llc_params,
    .ports = llc_ports,
    .stats = llc_stats,
    .init = llc_init,
    .finalize_stats = llc_finalize,
    .fini = llc_fini,
};
