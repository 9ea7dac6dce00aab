/*
 * sweep.c - parameter sweeps (sweep.h): the sweep file, running points as
 * `migsim run` processes, the per-point records and the merged table.
 *
 * A point is a child process, so a point that crashes or fails its
 * configuration stops nothing else; its exit status and the end of its
 * stderr are kept in its record. Nothing here is on a hot path: a point runs
 * for seconds to minutes, the bookkeeping for microseconds.
 */
#include "sweep.h"

#include "migsim/errors.h"
#include "migsim/sim.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SWEEP_MAX_POINTS 1000000u
#define SWEEP_MSG_MAX 2000 /* bytes of a failed point's stderr kept (its end) */

char *sweep_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        if (n + 1 == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    bool bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int cli_sibling_path(const char *name, char *buf, size_t cap)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    return snprintf(buf, cap, "%s/%s", self, name) < (int)cap ? 0 : -1;
}

/* "DIR/NAME" in a new string. */
static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* An absolute path: p itself when absolute, else `base`/p. */
static char *path_abs(const char *base, const char *p)
{
    return p[0] == '/' ? strdup(p) : path_join(base, p);
}

/* The file of point i with suffix sfx (".json", ".run.json") in folder dir. */
static void point_file(char *buf, size_t cap, const char *dir, const sweep_t *sw, size_t i, const char *sfx)
{
    snprintf(buf, cap, "%s/%s%s", dir, sw->pts[i].name, sfx);
}

/* Writes text to path through a temporary file and a rename. */
static int write_file(const char *path, const char *text)
{
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return migsim_error(MIGSIM_EIO, "%s: %s", tmp, strerror(errno));
    bool ok = fputs(text, f) >= 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        return migsim_error(MIGSIM_EIO, "%s: %s", path, strerror(e));
    }
    return 0;
}

/* ---- the sweep file ------------------------------------------------------------------------- */

static const char *const sweep_keys[] = { "config", "platform", "set", "grid", "points", "stats", "out", NULL };

/* Checks one override (KEY: VALUE of "grid" or a point) and appends "--set KEY=JSON" to args. */
static int add_override(const sweep_t *sw, const char *where, const cJSON *item, cJSON *args)
{
    const char *k = item->string;
    if (!strchr(k, '.') || strchr(k, '=') || k[0] == '.' || k[strlen(k) - 1] == '.')
        return migsim_error(MIGSIM_ECONFIG, "%s: %s[\"%s\"]: expected a key COMPONENT.PARAM or sim.KEY",
                            sw->path, where, k);
    char *v = cJSON_PrintUnformatted(item);
    size_t n = strlen(k) + strlen(v) + 2;
    char *s = malloc(n);
    snprintf(s, n, "%s=%s", k, v);
    cJSON_AddItemToArray(args, cJSON_CreateString("--set"));
    cJSON_AddItemToArray(args, cJSON_CreateString(s));
    free(s);
    free(v);
    return 0;
}

/* Adds key to the override columns when new. */
static void note_key(sweep_t *sw, const char *k)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, sw->keys)
        if (strcmp(e->valuestring, k) == 0)
            return;
    cJSON_AddItemToArray(sw->keys, cJSON_CreateString(k));
}

/* A new point whose own overrides are `set` (taken), after the common arguments `base`. */
static int add_point(sweep_t *sw, const cJSON *base, cJSON *set, const char *where)
{
    sweep_point_t *p = &sw->pts[sw->npts];
    p->set = set;
    p->args = cJSON_Duplicate(base, true);
    sw->npts++;
    const cJSON *it;
    cJSON_ArrayForEach(it, set) {
        if (add_override(sw, where, it, p->args))
            return MIGSIM_ECONFIG;
        note_key(sw, it->string);
    }
    return 0;
}

/* The statistic names of the base configuration, built with its common overrides. */
static int base_stats(sweep_t *sw, const char *platform, const char *config, const cJSON *set,
                      cJSON *names)
{
    size_t nsets = (size_t)cJSON_GetArraySize(set);
    const char **sets = calloc(nsets + 1, sizeof *sets);
    size_t i = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, set)
        sets[i++] = s->valuestring;
    int cwd = open(".", O_RDONLY | O_DIRECTORY);
    migsim_sim_t *sim = NULL;
    int rc;
    if (cwd < 0 || chdir(sw->dir) != 0) {
        rc = migsim_error(MIGSIM_EIO, "%s: %s", sw->dir, strerror(errno));
    } else {
        rc = migsim_sim_create_ex(&sim, platform, config, sets, nsets, 0);
        if (rc)
            rc = migsim_error(rc, "%s: the base configuration: %s", sw->path, migsim_errmsg());
        if (fchdir(cwd) != 0 && !rc)
            rc = migsim_error(MIGSIM_EIO, "back to the working folder: %s", strerror(errno));
    }
    if (cwd >= 0)
        close(cwd);
    free(sets);
    if (rc) {
        if (sim)
            migsim_sim_destroy(sim);
        return rc;
    }
    for (size_t c = 0; c < migsim_sim_ncomps(sim); c++) {
        const migsim_comp_t *comp = migsim_sim_comp(sim, c);
        for (const migsim_stat_def_t *d = comp->ops->stats; d && d->name; d++) {
            char buf[256];
            snprintf(buf, sizeof buf, "%s.%s", comp->name, d->name);
            cJSON_AddItemToArray(names, cJSON_CreateString(buf));
        }
    }
    migsim_sim_destroy(sim);
    return 0;
}

/* "stats": each pattern's matches among the base configuration's statistics, in table order. */
static int expand_stats(sweep_t *sw, const cJSON *pats, const cJSON *names)
{
    sw->stats = cJSON_CreateArray();
    int i = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, pats) {
        if (!cJSON_IsString(p) || !p->valuestring[0])
            return migsim_error(MIGSIM_ECONFIG, "%s: $.stats[%d]: expected a statistic name or pattern",
                                sw->path, i);
        int found = 0;
        const cJSON *n;
        cJSON_ArrayForEach(n, names) {
            if (fnmatch(p->valuestring, n->valuestring, 0) != 0)
                continue;
            found++;
            bool dup = false;
            const cJSON *e;
            cJSON_ArrayForEach(e, sw->stats)
                dup |= strcmp(e->valuestring, n->valuestring) == 0;
            if (!dup)
                cJSON_AddItemToArray(sw->stats, cJSON_CreateString(n->valuestring));
        }
        if (!found)
            return migsim_error(MIGSIM_ECONFIG, "%s: $.stats[%d]: \"%s\" names no statistic of the base "
                                "configuration (migsim describe lists them)", sw->path, i, p->valuestring);
        i++;
    }
    return 0;
}

/* The points of "grid": every combination, the first key varying slowest. */
static int grid_points(sweep_t *sw, const cJSON *grid, const cJSON *base)
{
    if (!cJSON_IsObject(grid) || !grid->child)
        return migsim_error(MIGSIM_ECONFIG, "%s: $.grid: expected an object of KEY: [values...]", sw->path);
    size_t total = 1;
    const cJSON *k;
    cJSON_ArrayForEach(k, grid) {
        int n = cJSON_GetArraySize(k);
        if (!cJSON_IsArray(k) || n == 0)
            return migsim_error(MIGSIM_ECONFIG, "%s: $.grid[\"%s\"]: expected a non-empty array of values",
                                sw->path, k->string);
        if (total > SWEEP_MAX_POINTS / (size_t)n)
            return migsim_error(MIGSIM_ECONFIG, "%s: $.grid: more than %u points", sw->path, SWEEP_MAX_POINTS);
        total *= (size_t)n;
    }
    sw->pts = calloc(total, sizeof *sw->pts);
    for (size_t i = 0; i < total; i++) {
        cJSON *set = cJSON_CreateObject();
        size_t stride = total;
        cJSON_ArrayForEach(k, grid) {
            size_t n = (size_t)cJSON_GetArraySize(k);
            stride /= n;
            cJSON_AddItemToObject(set, k->string,
                                  cJSON_Duplicate(cJSON_GetArrayItem(k, (int)(i / stride % n)), true));
        }
        if (add_point(sw, base, set, "$.grid"))
            return MIGSIM_ECONFIG;
    }
    return 0;
}

/* The points of "points": a list of objects KEY: value. */
static int list_points(sweep_t *sw, const cJSON *list, const cJSON *base)
{
    int n = cJSON_GetArraySize(list);
    if (!cJSON_IsArray(list) || n == 0)
        return migsim_error(MIGSIM_ECONFIG, "%s: $.points: expected a non-empty array of objects", sw->path);
    sw->pts = calloc((size_t)n, sizeof *sw->pts);
    for (int i = 0; i < n; i++) {
        const cJSON *o = cJSON_GetArrayItem(list, i);
        char where[32];
        snprintf(where, sizeof where, "$.points[%d]", i);
        if (!cJSON_IsObject(o) || !o->child)
            return migsim_error(MIGSIM_ECONFIG, "%s: %s: expected an object of KEY: value overrides",
                                sw->path, where);
        if (add_point(sw, base, cJSON_Duplicate(o, true), where))
            return MIGSIM_ECONFIG;
    }
    return 0;
}

/* A string member or NULL; an error when present and not a string. */
static int opt_string(const sweep_t *sw, const cJSON *doc, const char *key, const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, key);
    *out = NULL;
    if (!v)
        return 0;
    if (!cJSON_IsString(v) || !v->valuestring[0])
        return migsim_error(MIGSIM_ECONFIG, "%s: $.%s: expected a non-empty string", sw->path, key);
    *out = v->valuestring;
    return 0;
}

static int sweep_parse(sweep_t *sw, const cJSON *doc, const char *out_dir)
{
    if (!cJSON_IsObject(doc))
        return migsim_error(MIGSIM_ECONFIG, "%s: $: expected an object", sw->path);
    for (const cJSON *it = doc->child; it; it = it->next) {
        size_t i = 0;
        while (sweep_keys[i] && strcmp(sweep_keys[i], it->string) != 0)
            i++;
        if (!sweep_keys[i])
            return migsim_error(MIGSIM_ECONFIG, "%s: $.%s: unknown key (config, platform, set, grid, points, "
                                "stats, out)", sw->path, it->string);
    }
    const char *config, *platform, *out;
    if (opt_string(sw, doc, "config", &config) || opt_string(sw, doc, "platform", &platform) ||
        opt_string(sw, doc, "out", &out))
        return MIGSIM_ECONFIG;
    if (config && platform)
        return migsim_error(MIGSIM_ECONFIG, "%s: $.platform: \"config\" and \"platform\" exclude each other "
                            "(a configuration names its platform with \"base\")", sw->path);
    const cJSON *set = cJSON_GetObjectItemCaseSensitive(doc, "set");
    const cJSON *grid = cJSON_GetObjectItemCaseSensitive(doc, "grid");
    const cJSON *points = cJSON_GetObjectItemCaseSensitive(doc, "points");
    const cJSON *stats = cJSON_GetObjectItemCaseSensitive(doc, "stats");
    if (set && !cJSON_IsArray(set))
        return migsim_error(MIGSIM_ECONFIG, "%s: $.set: expected an array of \"KEY=VALUE\" strings", sw->path);
    int i = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, set) {
        if (!cJSON_IsString(s) || !strchr(s->valuestring, '='))
            return migsim_error(MIGSIM_ECONFIG, "%s: $.set[%d]: expected a string \"KEY=VALUE\"", sw->path, i);
        i++;
    }
    if (!grid == !points)
        return migsim_error(MIGSIM_ECONFIG, "%s: $: expected one of \"grid\" (every combination) or "
                            "\"points\" (a list)", sw->path);
    if (stats && !cJSON_IsArray(stats))
        return migsim_error(MIGSIM_ECONFIG, "%s: $.stats: expected an array of statistic names", sw->path);

    cJSON *base = cJSON_CreateArray();
    if (config || platform) {
        cJSON_AddItemToArray(base, cJSON_CreateString(config ? "--config" : "--platform"));
        cJSON_AddItemToArray(base, cJSON_CreateString(config ? config : platform));
    }
    cJSON_ArrayForEach(s, set) {
        cJSON_AddItemToArray(base, cJSON_CreateString("--set"));
        cJSON_AddItemToArray(base, cJSON_CreateString(s->valuestring));
    }
    sw->keys = cJSON_CreateArray();
    int rc = grid ? grid_points(sw, grid, base) : list_points(sw, points, base);
    cJSON_Delete(base);
    if (rc)
        return rc;
    unsigned width = 3; /* at most 7 digits: SWEEP_MAX_POINTS */
    for (size_t n = sw->npts - 1; n >= 1000; n /= 10)
        width++;
    for (size_t p = 0; p < sw->npts; p++)
        snprintf(sw->pts[p].name, sizeof sw->pts[p].name, "p%0*u", (int)(width & 7), (unsigned)(p % 10000000u));

    cJSON *names = cJSON_CreateArray();
    cJSON *empty = cJSON_CreateArray();
    rc = base_stats(sw, platform, config, set ? set : empty, names);
    if (!rc && stats)
        rc = expand_stats(sw, stats, names);
    cJSON_Delete(names);
    cJSON_Delete(empty);
    if (rc)
        return rc;

    if (out_dir) {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            return migsim_error(MIGSIM_EIO, "the working folder: %s", strerror(errno));
        sw->out = path_abs(cwd, out_dir);
    } else if (out) {
        sw->out = path_abs(sw->dir, out);
    } else { /* beside the sweep file: its name without ".json", or with ".out" */
        const char *b = strrchr(sw->path, '/');
        b = b ? b + 1 : sw->path;
        size_t n = strlen(b);
        bool json = n > 5 && strcmp(b + n - 5, ".json") == 0;
        char *folder = malloc(n + 5);
        snprintf(folder, n + 5, "%.*s%s", (int)(json ? n - 5 : n), b, json ? "" : ".out");
        sw->out = path_join(sw->dir, folder);
        free(folder);
    }
    if (mkdir(sw->out, 0777) != 0 && errno != EEXIST)
        return migsim_error(MIGSIM_EIO, "%s: %s", sw->out, strerror(errno));
    struct stat st;
    if (stat(sw->out, &st) != 0 || !S_ISDIR(st.st_mode))
        return migsim_error(MIGSIM_EIO, "%s: not a folder", sw->out);
    return 0;
}

int sweep_load(sweep_t *sw, const char *path, const char *out_dir, const char *migsim)
{
    memset(sw, 0, sizeof *sw);
    sw->path = strdup(path);
    sw->migsim = strdup(migsim);
    char real[PATH_MAX];
    if (!realpath(path, real))
        return migsim_error(MIGSIM_EIO, "%s: %s", path, strerror(errno));
    *strrchr(real, '/') = '\0';
    sw->dir = strdup(real[0] ? real : "/");
    char *text = sweep_read_file(path, NULL);
    if (!text)
        return migsim_error(MIGSIM_EIO, "%s: %s", path, strerror(errno));
    cJSON *doc = cJSON_Parse(text);
    int rc;
    if (!doc) {
        const char *at = cJSON_GetErrorPtr();
        int line = 1;
        for (const char *c = text; at && c < at; c++)
            line += *c == '\n';
        rc = migsim_error(MIGSIM_ECONFIG, "%s:%d: not valid JSON", path, line);
    } else {
        rc = sweep_parse(sw, doc, out_dir);
    }
    cJSON_Delete(doc);
    free(text);
    return rc;
}

void sweep_free(sweep_t *sw)
{
    for (size_t i = 0; i < sw->npts; i++) {
        cJSON_Delete(sw->pts[i].set);
        cJSON_Delete(sw->pts[i].args);
    }
    free(sw->pts);
    cJSON_Delete(sw->keys);
    cJSON_Delete(sw->stats);
    free(sw->path);
    free(sw->dir);
    free(sw->out);
    free(sw->migsim);
    memset(sw, 0, sizeof *sw);
}

/* A JSON file parsed, or NULL. */
static cJSON *read_json(const char *path)
{
    char *text = sweep_read_file(path, NULL);
    cJSON *doc = text ? cJSON_Parse(text) : NULL;
    free(text);
    return doc;
}

/* The "status" of a statistics file's "sim" section, or NULL. */
static const char *stats_status(const cJSON *stats)
{
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(stats, "sim"), "status");
    return cJSON_IsString(st) ? st->valuestring : NULL;
}

bool sweep_point_done(const sweep_t *sw, size_t i)
{
    char path[PATH_MAX];
    point_file(path, sizeof path, sw->out, sw, i, ".json");
    cJSON *stats = read_json(path);
    const char *st = stats_status(stats);
    bool complete = st && strcmp(st, "complete") == 0;
    cJSON_Delete(stats);
    if (!complete)
        return false;
    point_file(path, sizeof path, sw->out, sw, i, ".run.json");
    cJSON *rec = read_json(path);
    bool same = rec && cJSON_Compare(cJSON_GetObjectItemCaseSensitive(rec, "args"), sw->pts[i].args, true);
    cJSON_Delete(rec);
    return same;
}

size_t sweep_pending(const sweep_t *sw, size_t *idx)
{
    size_t n = 0;
    for (size_t i = 0; i < sw->npts; i++) {
        if (sweep_point_done(sw, i)) {
            printf("%s: complete in %s/%s.json, not run again\n", sw->pts[i].name, sw->out, sw->pts[i].name);
            continue;
        }
        char path[PATH_MAX];
        point_file(path, sizeof path, sw->out, sw, i, ".json");
        remove(path);
        point_file(path, sizeof path, sw->out, sw, i, ".run.json");
        remove(path);
        idx[n++] = i;
    }
    fflush(stdout);
    return n;
}

/* ---- running points ------------------------------------------------------------------------- */

typedef struct sweep_child_s {
    pid_t pid;    /* 0: free slot */
    size_t point; /* index into sw->pts */
} sweep_child_t;

/* Starts `migsim run` for point i in a child process; its stderr goes to a file of stats_dir. */
static pid_t start_point(const sweep_t *sw, size_t i, const char *stats_dir)
{
    char out[PATH_MAX], err[PATH_MAX];
    point_file(out, sizeof out, stats_dir, sw, i, ".json");
    snprintf(err, sizeof err, "%s/.%s.err", stats_dir, sw->pts[i].name);
    remove(out);
    const cJSON *args = sw->pts[i].args;
    size_t n = (size_t)cJSON_GetArraySize(args);
    const char **argv = calloc(n + 6, sizeof *argv);
    size_t k = 0;
    argv[k++] = sw->migsim;
    argv[k++] = "run";
    argv[k++] = "--quiet";
    argv[k++] = "--out";
    argv[k++] = out;
    const cJSON *a;
    cJSON_ArrayForEach(a, args)
        argv[k++] = a->valuestring;
    argv[k] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        int efd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (null < 0 || efd < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(efd, 2) < 0)
            _exit(127);
        if (chdir(sw->dir) != 0) {
            fprintf(stderr, "%s: %s\n", sw->dir, strerror(errno));
            _exit(127);
        }
        execv(sw->migsim, (char *const *)argv);
        fprintf(stderr, "%s: %s\n", sw->migsim, strerror(errno));
        _exit(127);
    }
    free(argv);
    return pid;
}

/* The end of a point's stderr (at most SWEEP_MSG_MAX bytes, whitespace trimmed), then removed. */
static char *take_message(const sweep_t *sw, size_t i, const char *stats_dir, int wst)
{
    char err[PATH_MAX];
    snprintf(err, sizeof err, "%s/.%s.err", stats_dir, sw->pts[i].name);
    size_t len = 0;
    char *text = sweep_read_file(err, &len);
    remove(err);
    if (!text) {
        text = strdup("");
        len = 0;
    }
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' ' || text[len - 1] == '\r'))
        text[--len] = '\0';
    if (len > SWEEP_MSG_MAX)
        memmove(text, text + len - SWEEP_MSG_MAX, SWEEP_MSG_MAX + 1);
    if (WIFSIGNALED(wst)) {
        char *t = malloc(strlen(text) + 64);
        sprintf(t, "%s%skilled by signal %d", text, text[0] ? "\n" : "", WTERMSIG(wst));
        free(text);
        text = t;
    }
    return text;
}

int sweep_run(const sweep_t *sw, const size_t *idx, size_t n, int jobs, const char *stats_dir,
              sweep_done_fn done, void (*poll)(void *ctx), void *ctx)
{
    if (jobs < 1)
        jobs = 1;
    sweep_child_t *kids = calloc((size_t)jobs, sizeof *kids);
    size_t next = 0, running = 0;
    int rc = 0;
    while ((next < n && !rc) || running > 0) {
        for (int s = 0; s < jobs && next < n && !rc; s++) {
            if (kids[s].pid)
                continue;
            pid_t pid = start_point(sw, idx[next], stats_dir);
            if (pid < 0) {
                rc = migsim_error(MIGSIM_EIO, "starting %s: %s", sw->migsim, strerror(errno));
                break;
            }
            kids[s] = (sweep_child_t){ pid, idx[next++] };
            running++;
        }
        bool reaped = false;
        for (int s = 0; s < jobs; s++) {
            int wst;
            if (!kids[s].pid || waitpid(kids[s].pid, &wst, WNOHANG) != kids[s].pid)
                continue;
            int status = WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst);
            char *msg = take_message(sw, kids[s].point, stats_dir, wst);
            kids[s].pid = 0;
            running--;
            reaped = true;
            done(ctx, kids[s].point, status, msg);
            free(msg);
        }
        if (poll)
            poll(ctx);
        if (!reaped && running > 0)
            nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
    }
    free(kids);
    return rc;
}

int sweep_record(const sweep_t *sw, size_t i, int status, const char *message, const char *stats_text)
{
    char path[PATH_MAX];
    int rc = 0;
    if (stats_text) {
        point_file(path, sizeof path, sw->out, sw, i, ".json");
        rc = write_file(path, stats_text);
    }
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "point", sw->pts[i].name);
    cJSON_AddItemToObject(rec, "set", cJSON_Duplicate(sw->pts[i].set, true));
    cJSON_AddItemToObject(rec, "args", cJSON_Duplicate(sw->pts[i].args, true));
    cJSON_AddNumberToObject(rec, "exit_status", status);
    cJSON_AddStringToObject(rec, "message", message);
    char *text = cJSON_Print(rec);
    cJSON_Delete(rec);
    point_file(path, sizeof path, sw->out, sw, i, ".run.json");
    if (!rc)
        rc = write_file(path, text);
    free(text);
    char *set = cJSON_PrintUnformatted(sw->pts[i].set);
    const char *nl = strrchr(message, '\n');
    printf("%s %s: exit status %d%s%s\n", sw->pts[i].name, set, status, status ? ": " : "",
           status ? (nl ? nl + 1 : message) : "");
    fflush(stdout);
    free(set);
    return rc;
}

/* ---- the table ------------------------------------------------------------------------------ */

/* One CSV field: text as is, quoted when it holds a comma, a quote or a line break. */
static void csv_field(FILE *f, const char *s, bool first)
{
    if (!first)
        fputc(',', f);
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* A JSON value as a CSV cell: a string's text, null as nothing, else its JSON text. */
static void csv_value(FILE *f, const cJSON *v)
{
    if (!v || cJSON_IsNull(v)) {
        csv_field(f, "", false);
    } else if (cJSON_IsString(v)) {
        csv_field(f, v->valuestring, false);
    } else {
        char *t = cJSON_PrintUnformatted(v);
        csv_field(f, t, false);
        free(t);
    }
}

int sweep_table(const sweep_t *sw, const char *prog)
{
    cJSON *rows = cJSON_CreateArray();
    cJSON *cols = sw->stats ? cJSON_Duplicate(sw->stats, true) : cJSON_CreateArray();
    int result = 0;
    for (size_t i = 0; i < sw->npts; i++) {
        char path[PATH_MAX];
        point_file(path, sizeof path, sw->out, sw, i, ".json");
        cJSON *stats = read_json(path);
        point_file(path, sizeof path, sw->out, sw, i, ".run.json");
        cJSON *rec = read_json(path);
        const cJSON *es = cJSON_GetObjectItemCaseSensitive(rec, "exit_status");
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(rec, "message");
        const char *st = stats_status(stats);
        cJSON *row = cJSON_CreateObject();
        cJSON_AddStringToObject(row, "point", sw->pts[i].name);
        cJSON_AddStringToObject(row, "status", st ? st : rec ? "no statistics" : "not run");
        if (cJSON_IsNumber(es))
            cJSON_AddNumberToObject(row, "exit_status", es->valuedouble);
        else
            cJSON_AddNullToObject(row, "exit_status");
        if (!cJSON_IsNumber(es) || es->valueint != 0)
            result = 1;
        cJSON_AddItemToObject(row, "set", cJSON_Duplicate(sw->pts[i].set, true));
        cJSON *vals = cJSON_CreateObject();
        const cJSON *all = cJSON_GetObjectItemCaseSensitive(stats, "stats");
        if (!sw->stats) { /* every statistic: the union of the points', in order of first appearance */
            const cJSON *v;
            cJSON_ArrayForEach(v, all) {
                bool have = false;
                const cJSON *c;
                cJSON_ArrayForEach(c, cols)
                    have |= strcmp(c->valuestring, v->string) == 0;
                if (!have)
                    cJSON_AddItemToArray(cols, cJSON_CreateString(v->string));
            }
        }
        const cJSON *c;
        cJSON_ArrayForEach(c, cols) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(all, c->valuestring);
            cJSON_AddItemToObject(vals, c->valuestring, v ? cJSON_Duplicate(v, true) : cJSON_CreateNull());
        }
        cJSON_AddItemToObject(row, "stats", vals);
        cJSON_AddStringToObject(row, "message", cJSON_IsString(msg) ? msg->valuestring : "");
        cJSON_AddItemToArray(rows, row);
        cJSON_Delete(stats);
        cJSON_Delete(rec);
    }
    /* JSON: the sweep, its columns and one row per point */
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "sweep", sw->path);
    cJSON_AddItemToObject(doc, "set_columns", cJSON_Duplicate(sw->keys, true));
    cJSON_AddItemToObject(doc, "stat_columns", cols);
    cJSON_AddItemToObject(doc, "points", rows);
    char *text = cJSON_Print(doc);
    char *jpath = path_join(sw->out, "sweep.json"), *cpath = path_join(sw->out, "sweep.csv");
    int rc = write_file(jpath, text);
    free(text);
    /* CSV: point, status, exit_status, one column per override key, per statistic, message */
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", cpath);
    FILE *f = rc ? NULL : fopen(tmp, "w");
    if (!rc && !f)
        rc = migsim_error(MIGSIM_EIO, "%s: %s", tmp, strerror(errno));
    if (f) {
        csv_field(f, "point", true);
        csv_field(f, "status", false);
        csv_field(f, "exit_status", false);
        const cJSON *k;
        cJSON_ArrayForEach(k, sw->keys)
            csv_field(f, k->valuestring, false);
        cJSON_ArrayForEach(k, cols) { /* a statistic named as an override key: "stats:NAME" */
            bool clash = false;
            const cJSON *o;
            cJSON_ArrayForEach(o, sw->keys)
                clash |= strcmp(o->valuestring, k->valuestring) == 0;
            char name[300];
            snprintf(name, sizeof name, "%s%s", clash ? "stats:" : "", k->valuestring);
            csv_field(f, name, false);
        }
        csv_field(f, "message", false);
        fputc('\n', f);
        const cJSON *row;
        cJSON_ArrayForEach(row, rows) {
            csv_field(f, cJSON_GetObjectItemCaseSensitive(row, "point")->valuestring, true);
            csv_value(f, cJSON_GetObjectItemCaseSensitive(row, "status"));
            csv_value(f, cJSON_GetObjectItemCaseSensitive(row, "exit_status"));
            const cJSON *set = cJSON_GetObjectItemCaseSensitive(row, "set");
            cJSON_ArrayForEach(k, sw->keys)
                csv_value(f, cJSON_GetObjectItemCaseSensitive(set, k->valuestring));
            const cJSON *vals = cJSON_GetObjectItemCaseSensitive(row, "stats");
            cJSON_ArrayForEach(k, cols)
                csv_value(f, cJSON_GetObjectItemCaseSensitive(vals, k->valuestring));
            csv_value(f, cJSON_GetObjectItemCaseSensitive(row, "message"));
            fputc('\n', f);
        }
        bool ok = !ferror(f);
        ok = fclose(f) == 0 && ok;
        if (!ok || rename(tmp, cpath) != 0)
            rc = migsim_error(MIGSIM_EIO, "%s: %s", cpath, strerror(errno));
    }
    cJSON_Delete(doc);
    if (rc) {
        fprintf(stderr, "%s: %s\n", prog, migsim_errmsg());
        result = 2;
    } else {
        printf("table            %s, %s\n", cpath, jpath);
    }
    free(jpath);
    free(cpath);
    return result;
}
