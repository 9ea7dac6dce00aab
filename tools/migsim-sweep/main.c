/*
 * migsim-sweep - `migsim sweep` across the ranks of an MPI job:
 *
 *   mpirun -n N migsim-sweep SWEEP.json [--jobs J] [--out DIR] [--migsim PATH]
 *
 * Rank 0 reads the sweep (tools/migsim/sweep.h), checks it and its base
 * configuration, and finds the points to run (those without complete results
 * in the output folder); it sends their list to every rank. Rank r runs the
 * points whose position in that list is r modulo N, J at a time, each a
 * `migsim run` of the migsim program beside this one (or --migsim), with its
 * statistics in a private temporary folder; it sends each point's exit status,
 * message and statistics text to rank 0 as soon as the point ends. Rank 0 runs
 * its own share the same way, writes every point's files into the output
 * folder as they arrive (so a sweep stopped part way resumes from what
 * arrived), then the table. Only rank 0 needs the output folder; every rank
 * needs the sweep file, the configuration and traces at the same paths.
 * Exit status (rank 0): as `migsim sweep`.
 */
#include "cli.h"
#include "sweep.h"

#include "migsim/errors.h"

#include <limits.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TAG_RESULT 1
#define P "migsim-sweep"

typedef struct sweep_mpi_s {
    const sweep_t *sw;
    const char *stats_dir; /* where this rank's points write their statistics */
    size_t awaited;        /* rank 0: results still to receive from other ranks */
} sweep_mpi_t;

/* A result message: int64 point, exit status, message length; the message; the statistics text. */
static void send_result(void *ctx, size_t point, int status, const char *message)
{
    sweep_mpi_t *m = ctx;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s.json", m->stats_dir, m->sw->pts[point].name);
    size_t slen = 0;
    char *stats = sweep_read_file(path, &slen);
    remove(path);
    size_t mlen = strlen(message);
    size_t len = 3 * sizeof(int64_t) + mlen + slen;
    char *buf = malloc(len);
    int64_t hdr[3] = { (int64_t)point, status, stats ? (int64_t)mlen : -(int64_t)mlen - 1 };
    memcpy(buf, hdr, sizeof hdr);
    memcpy(buf + sizeof hdr, message, mlen);
    if (stats)
        memcpy(buf + sizeof hdr + mlen, stats, slen);
    MPI_Send(buf, (int)len, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
    free(buf);
    free(stats);
}

/* Rank 0: records one result of another rank; blocks for it when `wait`. Returns 1 if one came. */
static int take_result(sweep_mpi_t *m, bool wait)
{
    int flag = 1, len;
    MPI_Status st;
    if (wait)
        MPI_Probe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &st);
    else
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &flag, &st);
    if (!flag)
        return 0;
    MPI_Get_count(&st, MPI_BYTE, &len);
    char *buf = malloc((size_t)len + 1);
    MPI_Recv(buf, len, MPI_BYTE, st.MPI_SOURCE, TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    buf[len] = '\0';
    int64_t hdr[3];
    memcpy(hdr, buf, sizeof hdr);
    bool has_stats = hdr[2] >= 0;
    size_t mlen = (size_t)(has_stats ? hdr[2] : -hdr[2] - 1);
    char *msg = strndup(buf + sizeof hdr, mlen);
    if (sweep_record(m->sw, (size_t)hdr[0], (int)hdr[1], msg, has_stats ? buf + sizeof hdr + mlen : NULL) != 0)
        fprintf(stderr, P ": %s\n", migsim_errmsg());
    free(msg);
    free(buf);
    m->awaited--;
    return 1;
}

static void local_record(void *ctx, size_t point, int status, const char *message)
{
    sweep_mpi_t *m = ctx;
    if (sweep_record(m->sw, point, status, message, NULL) != 0)
        fprintf(stderr, P ": %s\n", migsim_errmsg());
}

static void poll_results(void *ctx)
{
    sweep_mpi_t *m = ctx;
    while (m->awaited > 0 && take_result(m, false))
        ;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const char *file, *out, *migsim = NULL;
    int jobs;
    int rc = migsim_cli_sweep_args(argc, argv, P, &file, &out, &jobs, &migsim);
    if (rc >= 0) {
        MPI_Finalize();
        return rank == 0 ? rc : 0;
    }
    char sibling[PATH_MAX];
    if (!migsim && cli_sibling_path("migsim", sibling, sizeof sibling) == 0)
        migsim = sibling;
    sweep_t sw;
    memset(&sw, 0, sizeof sw);
    /* rank 0 checks the sweep first, so that a bad file gives one message and every rank stops */
    int64_t head[2] = { 0, 0 }; /* status, points to run */
    size_t *idx = NULL;
    if (rank == 0) {
        if (!migsim || access(migsim, X_OK) != 0) {
            fprintf(stderr, P ": no migsim program beside this one; name it with --migsim PATH\n");
            head[0] = 2;
        } else if (sweep_load(&sw, file, out, migsim) != 0) {
            fprintf(stderr, P ": %s\n", migsim_errmsg());
            head[0] = 2;
        } else {
            idx = calloc(sw.npts, sizeof *idx);
            head[1] = (int64_t)sweep_pending(&sw, idx);
            printf("sweep            %zu points, %zu to run on %d ranks, %d at a time each, in %s\n",
                   sw.npts, (size_t)head[1], size, jobs, sw.out);
            fflush(stdout);
        }
    }
    MPI_Bcast(head, 2, MPI_INT64_T, 0, MPI_COMM_WORLD);
    if (head[0] != 0) {
        sweep_free(&sw);
        MPI_Finalize();
        return rank == 0 ? (int)head[0] : 0;
    }
    size_t todo = (size_t)head[1];
    int64_t *list = calloc(todo + 1, sizeof *list);
    for (size_t i = 0; rank == 0 && i < todo; i++)
        list[i] = (int64_t)idx[i];
    MPI_Bcast(list, (int)todo, MPI_INT64_T, 0, MPI_COMM_WORLD);
    if (rank != 0) {
        char tmp[] = "/tmp/migsim-sweep.XXXXXX";
        bool ok = mkdtemp(tmp) != NULL;
        /* the same file read again; a rank that cannot (another machine without it) stops the job */
        if (!ok || sweep_load(&sw, file, tmp, migsim ? migsim : "") != 0) {
            fprintf(stderr, P ": rank %d: %s\n", rank, ok ? migsim_errmsg() : "no temporary folder in /tmp");
            MPI_Abort(MPI_COMM_WORLD, 2);
        }
        idx = calloc(todo + 1, sizeof *idx);
    }
    size_t mine = 0;
    for (size_t i = (size_t)rank; i < todo; i += (size_t)size)
        idx[mine++] = (size_t)list[i];
    free(list);
    sweep_mpi_t m = { &sw, sw.out, rank == 0 ? todo - mine : 0 };
    if (rank == 0) {
        rc = sweep_run(&sw, idx, mine, jobs, sw.out, local_record, poll_results, &m);
        while (!rc && m.awaited > 0)
            take_result(&m, true);
        if (rc) {
            fprintf(stderr, P ": %s\n", migsim_errmsg());
            MPI_Abort(MPI_COMM_WORLD, 2);
        }
        rc = sweep_table(&sw, P);
    } else {
        rc = sweep_run(&sw, idx, mine, jobs, sw.out, send_result, NULL, &m);
        if (rc) {
            fprintf(stderr, P ": rank %d: %s\n", rank, migsim_errmsg());
            MPI_Abort(MPI_COMM_WORLD, 2);
        }
        rmdir(sw.out);
    }
    free(idx);
    sweep_free(&sw);
    MPI_Finalize();
    return rank == 0 ? rc : 0;
}
