/*
 * migsim/trace.h - memory access traces: the native file format, a reader
 * and writer for it, a synthetic generator, importers for the trace formats
 * of other tools (DRAMSim3, Ramulator, valgrind lackey, ChampSim, Linux
 * ftrace, QEMU, gem5), and the record source that trace players pull from.
 *
 * One record is one memory access issued by a CPU core or an I/O device
 * (migsim_trace_rec_t, 24 bytes). The native file (".mtr", byte layout in
 * traces/FORMAT.md) holds fixed-size little-endian records compressed with
 * zlib in independent blocks (by default byte-shuffled first: 24 byte planes
 * per block), then a block index and a footer, so a reader can seek to any
 * record and stream block by block; a trace is never loaded whole.
 *
 * Hot path: migsim_trace_next() and migsim_recsrc_next(), called once per
 * record by the trace players. They do not allocate; the per-record cost is a
 * bounds check and a copy, plus one CRC32, inflate and un-shuffle per block.
 *
 * Errors follow migsim/errors.h: a negative MIGSIM_E* code, with a message
 * (migsim_errmsg()) that names the file and, where it applies, the line,
 * block or record index.
 *
 * None of the objects here is thread-safe; use one per thread.
 */
#ifndef MIGSIM_TRACE_H
#define MIGSIM_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "migsim/rng.h"
#include "migsim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Records                                                                   */
/* ------------------------------------------------------------------------ */

#define MIGSIM_TRACE_MAX_SIZE   (1u << 20)   /* largest access, bytes (1 MiB) */
#define MIGSIM_TRACE_REC_BYTES  24u          /* record size on disk, bytes */
#define MIGSIM_TRACE_DEF_BLOCK  4096u        /* default records per block */
#define MIGSIM_TRACE_MAX_BLOCK  (1u << 20)   /* largest records per block */

/* One memory access. Same size (24 bytes) and field order as on disk. */
typedef struct migsim_trace_rec_s {
    uint64_t time;     /* ps: absolute, or gap since previous record, or
                          instructions, per the file's time mode; 0 for NONE */
    uint64_t addr;     /* byte address (virtual for CPU, IOVA for DMA) */
    uint32_t size;     /* bytes, 1..MIGSIM_TRACE_MAX_SIZE */
    uint8_t op;        /* migsim_op_t: READ=0, WRITE=1 */
    uint8_t src_kind;  /* migsim_src_kind_t, < MIGSIM_SRC_COUNT_ */
    uint16_t src_idx;  /* core or device number, 0..65535 */
} migsim_trace_rec_t;

/* How the time field of every record in a file is to be read. */
typedef enum migsim_time_mode_e {
    MIGSIM_TIME_ABS_PS    = 0, /* absolute issue time, ps, non-decreasing */
    MIGSIM_TIME_GAP_PS    = 1, /* ps since the previous record (first: since 0) */
    MIGSIM_TIME_GAP_INSNS = 2, /* non-memory instructions before this access */
    MIGSIM_TIME_NONE      = 3, /* no timing: replay as fast as allowed */
    MIGSIM_TIME_COUNT_
} migsim_time_mode_t;

/* "abs-ps", "gap-ps", "gap-insns", "none"; "?" for an unknown value. */
const char *migsim_time_mode_name(migsim_time_mode_t mode);

/* "cpu", "dma", "copy", "walk", "other"; "?" for an unknown value. */
const char *migsim_src_kind_name(migsim_src_kind_t kind);

/*
 * Check one record: op, src_kind and size in range. Returns 0, or
 * MIGSIM_EFORMAT with a message "<what>: record <index>: ..." (what may be a
 * file name or any label). Time order is the caller's business.
 */
int migsim_trace_rec_check(const migsim_trace_rec_t *rec, const char *what,
                           uint64_t index);

/* ------------------------------------------------------------------------ */
/* Writer                                                                    */
/* ------------------------------------------------------------------------ */

typedef struct migsim_trace_writer_s migsim_trace_writer_t;

/* How the blocks of a file are compressed (header byte 15, FORMAT.md). */
typedef enum migsim_trace_comp_e {
    MIGSIM_TRACE_COMP_ZLIB         = 1, /* zlib over the records as they are */
    MIGSIM_TRACE_COMP_ZLIB_SHUFFLE = 2, /* zlib over the block's records
                                           byte-shuffled: byte k of record i
                                           at k * nrecs + i (version 2 only) */
} migsim_trace_comp_t;

/* "zlib", "zlib-shuffle"; "?" for an unknown value. */
const char *migsim_trace_comp_name(migsim_trace_comp_t comp);

typedef struct migsim_trace_wopts_s {
    migsim_time_mode_t time_mode; /* meaning of rec.time; default ABS_PS */
    uint32_t block_recs;   /* records per compressed block,
                              1..MIGSIM_TRACE_MAX_BLOCK; default 4096 */
    int level;             /* zlib level 0..9 (1 fastest to write); default
                              MIGSIM_TRACE_DEF_LEVEL, the fastest to read
                              with ZLIB_SHUFFLE, whose blocks inflate at
                              half the speed from level 4 up (lazy
                              matching); ZLIB blocks read about as fast
                              from 6 up (the default of version 1) */
    migsim_trace_comp_t compression; /* ZLIB or ZLIB_SHUFFLE; default
                              ZLIB_SHUFFLE (half the size, faster to read) */
} migsim_trace_wopts_t;

#define MIGSIM_TRACE_DEF_LEVEL 3 /* default zlib level (of ZLIB_SHUFFLE) */

/* Fill *o with the defaults above. */
void migsim_trace_wopts_default(migsim_trace_wopts_t *o);

/*
 * Create a writer for `path`. The data goes to "<path>.tmp.<pid>" (created
 * exclusively); nothing under `path` is created or changed until
 * migsim_trace_writer_close() succeeds. opts may be NULL (defaults).
 * Returns 0 and sets *out, or MIGSIM_EINVAL (bad options), MIGSIM_EIO
 * (cannot create the temporary file), MIGSIM_ENOMEM.
 */
int migsim_trace_writer_open(migsim_trace_writer_t **out, const char *path,
                             const migsim_trace_wopts_t *opts);

/*
 * Append one record. The record is checked (migsim_trace_rec_check, and in
 * ABS_PS mode its time must not be below the previous one): a bad record
 * returns MIGSIM_EINVAL naming the output file and record index. Any error
 * poisons the writer: further puts fail and close() deletes the temporary
 * file and returns the first error. Cost: a 24-byte encode; every
 * block_recs records one shuffle (compression 2), one deflate, one CRC32
 * and one write.
 */
int migsim_trace_put(migsim_trace_writer_t *w, const migsim_trace_rec_t *rec);

/* Records accepted so far. */
uint64_t migsim_trace_writer_count(const migsim_trace_writer_t *w);

/* The time mode the writer was opened with. */
migsim_time_mode_t migsim_trace_writer_time_mode(const migsim_trace_writer_t *w);

/*
 * Flush the last block, write index and footer, fsync, and rename the
 * temporary file over `path` atomically. Frees the writer in every case.
 * On any error (including an earlier poisoning error) the temporary file is
 * removed, `path` is left as it was, and the error is returned.
 */
int migsim_trace_writer_close(migsim_trace_writer_t *w);

/* Discard everything: delete the temporary file and free the writer.
 * `path` is left as it was. NULL is a no-op. */
void migsim_trace_writer_abort(migsim_trace_writer_t *w);

/* ------------------------------------------------------------------------ */
/* Reader                                                                    */
/* ------------------------------------------------------------------------ */

typedef struct migsim_trace_reader_s migsim_trace_reader_t;

typedef struct migsim_trace_info_s {
    uint64_t records;      /* total records in the file */
    uint64_t blocks;       /* compressed blocks */
    uint32_t block_recs;   /* records per block (the last may hold fewer) */
    migsim_time_mode_t time_mode;
    uint64_t first_time;   /* ABS_PS: time of the first record, ps; gap modes:
                              the first record's time field; NONE: 0 */
    uint64_t last_time;    /* ABS_PS: time of the last record, ps; gap modes:
                              sum of all time fields (saturating) = the
                              last record's position on the time axis;
                              NONE: 0 */
    uint64_t file_bytes;   /* size of the file, bytes */
    unsigned version;      /* format version of the file, 1 or 2 */
    migsim_trace_comp_t compression; /* of its blocks (1 in version 1) */
} migsim_trace_info_t;

/*
 * Open a native trace: format version 1 or 2 (FORMAT.md). Validates header
 * (magic, version, compression, record size, time mode, CRC), footer and
 * block index; no block is read yet. Returns 0 and sets *out, or MIGSIM_EIO
 * (cannot open/read), MIGSIM_ETRUNC (file shorter than its structure says,
 * or footer missing), MIGSIM_EFORMAT (anything else wrong), MIGSIM_ENOMEM.
 * Memory used: the index (40 bytes per block) plus two block buffers (three
 * for shuffled blocks).
 */
int migsim_trace_open(migsim_trace_reader_t **out, const char *path);

/* Header and footer facts; valid until close. */
const migsim_trace_info_t *migsim_trace_info(const migsim_trace_reader_t *r);

/*
 * Next record. Returns 1 and points *rec into the reader's block buffer
 * (valid until the next call to next/seek/close), 0 at the end, or <0 on
 * error: MIGSIM_EIO, MIGSIM_ETRUNC, MIGSIM_EFORMAT (bad block: CRC, size,
 * inflate; bad record: op, src_kind, size, absolute time going backwards),
 * with a message naming the file and the block or record index. After an
 * error every call returns the same error.
 */
int migsim_trace_next(migsim_trace_reader_t *r, const migsim_trace_rec_t **rec);

/* Index of the record the next call to migsim_trace_next() returns. */
uint64_t migsim_trace_tell(const migsim_trace_reader_t *r);

/*
 * Position so that the next record returned is number `index` (0-based);
 * index == records positions at the end. Decodes only the block that
 * holds it. Returns 0, MIGSIM_ERANGE (index > records), or a block error as
 * for migsim_trace_next(). In ABS_PS mode, the time order is checked within
 * a block and between consecutive blocks read in order.
 */
int migsim_trace_seek(migsim_trace_reader_t *r, uint64_t index);

/* Close and free. NULL is a no-op. */
void migsim_trace_close(migsim_trace_reader_t *r);

/* ------------------------------------------------------------------------ */
/* Synthetic generator                                                       */
/* ------------------------------------------------------------------------ */

typedef enum migsim_gen_pattern_e {
    MIGSIM_GEN_SEQUENTIAL = 0, /* base, base+size, ... wrapping within range */
    MIGSIM_GEN_RANDOM     = 1, /* uniform over the range/size aligned slots */
    MIGSIM_GEN_STRIDED    = 2, /* base + (i*stride mod range) */
    MIGSIM_GEN_NIC_RX     = 3, /* NIC receive ring: per packet, a DMA write of
                                  the packet into the next buffer, then a
                                  16-byte descriptor write-back */
    MIGSIM_GEN_BLOCK      = 4, /* block device: transfers of block_bytes at
                                  sequential or random block-aligned addresses */
    MIGSIM_GEN_HOTSET     = 5, /* a shifting hot set: with probability hot_frac
                                  uniform in the hot window, else uniform over
                                  the range; the window moves every hot_period
                                  records (migsim_gen_hot_window) */
    MIGSIM_GEN_COUNT_
} migsim_gen_pattern_t;

/* Order of the BLOCK pattern's transfers. */
typedef enum migsim_gen_order_e {
    MIGSIM_GEN_ORDER_SEQUENTIAL = 0, /* block 0, 1, 2, ... wrapping within range */
    MIGSIM_GEN_ORDER_RANDOM     = 1, /* uniform over the range's blocks */
    MIGSIM_GEN_ORDER_COUNT_
} migsim_gen_order_t;

#define MIGSIM_GEN_DESC_BYTES    16u       /* NIC_RX: bytes of one ring descriptor */
#define MIGSIM_GEN_MAX_RING      (1u << 20) /* NIC_RX: most ring entries */

/*
 * Direction convention: a record's op is the memory operation. A DMA write
 * (device to memory: a received packet, a disk read) is MIGSIM_OP_WRITE; a
 * DMA read (memory to device: a transmitted packet, a disk write) is
 * MIGSIM_OP_READ. read_frac is the fraction of memory reads.
 *
 * Sizes. Records of src_kind CPU (and the other non-DMA kinds) with the
 * SEQUENTIAL, RANDOM and STRIDED patterns keep the cache-friendly rules:
 * size a power of two, base aligned to it, range a multiple of it. DMA
 * transfers have no such shape, so with src_kind DMA any size
 * 1..MIGSIM_TRACE_MAX_SIZE is accepted: records are packed at base + k *
 * size for k < floor(range / size) (STRIDED still needs range and stride
 * multiples of size). NIC_RX and BLOCK take their sizes from their own
 * fields and ignore size_bytes.
 */
typedef struct migsim_gen_config_s {
    migsim_gen_pattern_t pattern;
    uint64_t count;        /* records to produce, 0..UINT64_MAX; NIC_RX: even
                              (two records per packet) */
    uint64_t base;         /* first address, bytes; CPU patterns: a multiple
                              of size_bytes; NIC_RX: of 16 (the descriptor
                              ring starts here); BLOCK: of block_bytes */
    uint64_t range_bytes;  /* window size, bytes; base + range_bytes <= 2^64.
                              CPU patterns: a multiple of size_bytes,
                              >= size_bytes; NIC_RX: holds the ring and the
                              buffers; BLOCK: >= block_bytes */
    uint64_t stride_bytes; /* STRIDED only: step, bytes; > 0, a multiple of
                              size_bytes */
    uint32_t size_bytes;   /* SEQUENTIAL/RANDOM/STRIDED access size, bytes,
                              1..MIGSIM_TRACE_MAX_SIZE; a power of two unless
                              src_kind is DMA */
    double read_frac;      /* probability that an access is a read, [0,1];
                              NIC_RX ignores it (every record is a write) */
    uint64_t seed;         /* RNG seed; same seed, same records */
    uint64_t gap_ps;       /* record i is at time i*gap_ps (ABS_PS); NIC_RX:
                              packet j (records 2j, 2j+1) at j*gap_ps; the last
                              time must fit in 64 bits */
    uint8_t src_kind;      /* migsim_src_kind_t of every record */
    uint16_t src_idx;      /* core or device number of every record */
    /* NIC_RX: descriptor ring of ring_entries x 16 bytes at base, then
     * ring_entries buffers of buf_bytes starting at the next 64-byte
     * boundary; packet j goes to buffer j mod ring_entries */
    uint32_t ring_entries; /* descriptors (and buffers), 1..MIGSIM_GEN_MAX_RING */
    uint32_t buf_bytes;    /* bytes per receive buffer, 1..MIGSIM_TRACE_MAX_SIZE */
    uint32_t pkt_min_bytes;/* smallest packet, bytes, 1..pkt_max_bytes */
    uint32_t pkt_max_bytes;/* largest packet, bytes, pkt_min..buf_bytes; sizes
                              are uniform in [min, max] (fixed when equal) */
    /* BLOCK */
    uint32_t block_bytes;  /* bytes per transfer, 1..MIGSIM_TRACE_MAX_SIZE */
    uint8_t block_order;   /* migsim_gen_order_t */
    /* HOTSET: the hot window of record i starts at offset
     * (i / hot_period) * hot_step_bytes mod range_bytes and wraps in the range */
    uint64_t hot_bytes;      /* window size, a multiple of size_bytes in size..range */
    double hot_frac;         /* probability that an access falls in the window, [0,1] */
    uint64_t hot_period;     /* records between window moves; 0 = it never moves */
    uint64_t hot_step_bytes; /* how far the window moves, a multiple of size_bytes */
} migsim_gen_config_t;

/* Defaults: SEQUENTIAL, count 1000, base 0, range 1 MiB, stride 4096,
 * size 64, read_frac 0.7, seed 1, gap_ps 1000, CPU 0; NIC_RX 256 entries
 * of 2048-byte buffers, packets 64..1518 bytes; BLOCK 4096 bytes,
 * sequential. */
void migsim_gen_config_default(migsim_gen_config_t *c);

/* Check a configuration. Returns 0 or MIGSIM_EINVAL with a message naming
 * the field ("gen: size_bytes 48 is not a power of two"). */
int migsim_gen_config_check(const migsim_gen_config_t *c);

/* Generator state; caller-allocated (may live on the stack), no resources,
 * nothing to free. Fields are private. */
typedef struct migsim_gen_s {
    migsim_gen_config_t cfg; /* private copy of the configuration */
    migsim_rng_t rng;        /* private: address, size and op draws */
    uint64_t i;              /* private: records produced so far */
    uint64_t off;            /* private: next offset in range, bytes */
    uint64_t stride_mod;     /* private: stride mod range, bytes */
    uint64_t slots;          /* private: accesses (or blocks) that fit the range */
    uint64_t buf_base;       /* private: NIC_RX first buffer address */
    uint32_t ring_slot;      /* private: NIC_RX descriptor of the current packet */
    uint64_t hot_off;        /* private: HOTSET window offset in range, bytes */
    uint64_t hot_left;       /* private: HOTSET records before the window moves */
} migsim_gen_t;

/* Check the configuration and start the generator at record 0. */
int migsim_gen_init(migsim_gen_t *g, const migsim_gen_config_t *c);

/* Produce the next record into *out: 1, or 0 after `count` records.
 * Cost: a few arithmetic operations and one or two RNG draws. */
int migsim_gen_next(migsim_gen_t *g, migsim_trace_rec_t *out);

/* HOTSET: the offset (from base, bytes) of the hot window of record i; the
 * window is [off, off + hot_bytes) taken modulo range_bytes. What a study
 * with a perfect placement knows of the workload. */
uint64_t migsim_gen_hot_window(const migsim_gen_config_t *c, uint64_t i);

/* Generate all records into an open writer (time mode must be ABS_PS).
 * Returns 0 or the writer's error (the writer is then poisoned). */
int migsim_gen_write(const migsim_gen_config_t *c, migsim_trace_writer_t *w);

/* "sequential" / "random" / "strided" / "nic_rx" / "block" -> pattern;
 * 0 or MIGSIM_EINVAL. */
int migsim_gen_pattern_parse(const char *name, migsim_gen_pattern_t *out);

/* Name of a pattern as accepted by migsim_gen_pattern_parse(); "?" if unknown. */
const char *migsim_gen_pattern_name(migsim_gen_pattern_t p);

/* "sequential" / "random" -> block order; 0 or MIGSIM_EINVAL. */
int migsim_gen_order_parse(const char *name, migsim_gen_order_t *out);

/* ------------------------------------------------------------------------ */
/* Record source: what a trace player pulls from                             */
/* ------------------------------------------------------------------------ */

typedef struct migsim_recsrc_s migsim_recsrc_t;

/* A source reading a native trace file (see migsim_trace_open()). */
int migsim_recsrc_open_file(migsim_recsrc_t **out, const char *path);

/* A source running a generator in-process (time mode ABS_PS). */
int migsim_recsrc_open_gen(migsim_recsrc_t **out, const migsim_gen_config_t *c);

/* Next record copied into *out: 1, 0 at the end, <0 on error (message as
 * for migsim_trace_next()). No allocation; cost per record a copy, plus
 * one inflate per block for files. */
int migsim_recsrc_next(migsim_recsrc_t *s, migsim_trace_rec_t *out);

/* Time mode of the records the source produces. */
migsim_time_mode_t migsim_recsrc_time_mode(const migsim_recsrc_t *s);

/* Total records the source will produce, or -1 if unknown. */
int64_t migsim_recsrc_count(const migsim_recsrc_t *s);

/* A label for messages: the file path, or "gen:<pattern>". Borrowed. */
const char *migsim_recsrc_name(const migsim_recsrc_t *s);

/* Close and free. NULL is a no-op. */
void migsim_recsrc_close(migsim_recsrc_t *s);

/* ------------------------------------------------------------------------ */
/* Importers from other tools' trace formats                               */
/* ------------------------------------------------------------------------ */

typedef enum migsim_import_fmt_e {
    /* "0xADDR READ|WRITE CYCLE": hex address (0x optional), memory clock
     * cycle; time ABS_PS = cycle * clock_ps; cycles must not go backwards */
    MIGSIM_IMPORT_DRAMSIM3  = 0,
    /* "0xADDR R|W" or "LD|ST ADDR" (ADDR: 0x hex or decimal); time NONE */
    MIGSIM_IMPORT_RAMULATOR = 1,
    /* valgrind --tool=lackey --trace-mem=yes: "I  ADDR,SIZE", " L|S|M ADDR,SIZE"
     * (hex address, decimal size); time GAP_INSNS (I records between data
     * accesses); M = a load then a store; "==" lines skipped */
    MIGSIM_IMPORT_LACKEY    = 2,
    /* Ramulator CPU mode "BUBBLES READADDR [WRITEBACKADDR]" (decimal);
     * time GAP_INSNS = bubbles; the writeback is a write with gap 0 */
    MIGSIM_IMPORT_RAMULATOR_CPU = 3,
    /* ChampSim input_instr records (64 bytes, or 96 with opts.champsim_cloudsuite),
     * xz or gzip or raw; loads from source_memory, stores from
     * destination_memory; time GAP_INSNS */
    MIGSIM_IMPORT_CHAMPSIM  = 4,
    /* Linux ftrace text ("trace" file): iommu_map and dma_map_* events become
     * DMA records split into size_bytes lines; time ABS_PS from the stamps */
    MIGSIM_IMPORT_FTRACE    = 5,
    /* QEMU -trace log (log backend) of device DMA events; time ABS_PS from
     * the "PID@SEC.USEC:" stamps when present, else 0 */
    MIGSIM_IMPORT_QEMU      = 6,
    /* gem5 packet trace: gzip, "gem5", varint-prefixed protobuf PacketHeader
     * then Packet messages; time ABS_PS = tick * 1e12 / tick_freq */
    MIGSIM_IMPORT_GEM5      = 7,
    MIGSIM_IMPORT_COUNT_
} migsim_import_fmt_t;

/* Where imported addresses go. */
typedef enum migsim_place_e {
    MIGSIM_PLACE_KEEP  = 0, /* addresses as in the input */
    MIGSIM_PLACE_FOLD  = 1, /* distinct 4 KiB pages, in first-touch order,
                               packed densely from region_base; offsets inside
                               a page kept; footprint must fit the region */
    MIGSIM_PLACE_SCALE = 2, /* [min, max] of the input's addresses mapped
                               linearly onto the region, 64-byte line granular;
                               reads the input twice */
    MIGSIM_PLACE_COUNT_
} migsim_place_t;

/* Largest footprint MIGSIM_PLACE_FOLD can map: 4 Mi pages (16 GiB), for a
 * page map of at most 2 x 4 Mi slots x 16 bytes = 128 MiB. */
#define MIGSIM_IMPORT_FOLD_MAX_PAGES (1u << 22)

/* What a direction-less DMA event (iommu_map, pci_nvme_map_addr before any
 * command) becomes. */
typedef enum migsim_dma_dir_e {
    MIGSIM_DMA_DIR_WRITE = 0, /* device writes memory (default) */
    MIGSIM_DMA_DIR_READ  = 1, /* device reads memory */
    MIGSIM_DMA_DIR_SKIP  = 2  /* drop such events (counted as skipped) */
} migsim_dma_dir_t;

typedef struct migsim_import_opts_s {
    uint64_t clock_ps;  /* DRAMSim3: ps per memory clock cycle, > 0;
                           default 833 (DDR4-2400 tCK) */
    uint32_t size_bytes;/* size of every record for formats without sizes
                           (DRAMSim3, Ramulator, ChampSim), and the line
                           size DMA transfers are split into (ftrace, QEMU);
                           1..MIGSIM_TRACE_MAX_SIZE; default 64 */
    uint8_t src_kind;   /* migsim_src_kind_t of every record; default CPU
                           (ftrace and QEMU always write DMA) */
    uint16_t src_idx;   /* core or device number; default 0. ftrace events
                           naming a device get src_idx + the device's
                           first-appearance ordinal */
    uint8_t keep_insns; /* lackey: 1 = instruction fetches become READ
                           records (gap 1 each, data accesses gap 0);
                           0 = dropped, counted into the next data
                           access's gap (default) */
    uint8_t champsim_cloudsuite; /* ChampSim: 1 = 96-byte cloudsuite records
                           (4 destination, 4 source operands, asid); 0 = 64 */
    uint8_t dma_dir;    /* migsim_dma_dir_t for direction-less DMA events;
                           default WRITE */
    migsim_place_t place; /* address placement; default KEEP */
    uint64_t region_base; /* FOLD/SCALE: first byte of the region; FOLD: a
                           multiple of 4096, SCALE: a multiple of 64 */
    uint64_t region_bytes;/* FOLD/SCALE: region size, > 0; FOLD: a multiple
                           of 4096, SCALE: a multiple of 64;
                           region_base + region_bytes <= 2^64 */
    uint8_t rebase_time;  /* ABS_PS formats only: 1 = shift every time so that
                           the first record written is at start_ps (record
                           i at start_ps + t_i - t_0); 0 = times as the
                           importer reads them (default) */
    uint64_t start_ps;    /* rebase_time: time of the first record, ps */
} migsim_import_opts_t;

/* Why an input line or record produced no record. */
typedef enum migsim_import_skip_e {
    MIGSIM_SKIP_BLANK   = 0, /* empty or whitespace-only line */
    MIGSIM_SKIP_COMMENT = 1, /* '#' line (also the ftrace header) */
    MIGSIM_SKIP_TOOL    = 2, /* tool output: lackey "==PID==" lines */
    MIGSIM_SKIP_EVENT   = 3, /* ftrace/QEMU event this importer does not model */
    MIGSIM_SKIP_CMD     = 4, /* gem5 packet whose command is neither read
                                nor write (responses, evictions, ...) */
    MIGSIM_SKIP_INSN    = 5, /* lackey instruction fetch dropped (keep_insns 0) */
    MIGSIM_SKIP_NOMEM   = 6, /* ChampSim instruction without memory operands */
    MIGSIM_SKIP_COUNT_
} migsim_import_skip_t;

typedef struct migsim_import_report_s {
    uint64_t lines;     /* lines (text) or input records (binary) read,
                           including skipped ones */
    uint64_t records;   /* records written */
    uint64_t skipped;   /* lines/input records that produced no record:
                           the sum of skip[] */
    uint64_t reads;     /* records with op READ */
    uint64_t writes;    /* records with op WRITE */
    uint64_t skip[MIGSIM_SKIP_COUNT_]; /* skipped, by reason */
    uint64_t insns;     /* instructions seen (lackey I lines, Ramulator
                           bubbles + accesses, ChampSim records) */
    uint64_t insns_tail;/* GAP_INSNS: instructions after the last record,
                           carried by no record's gap */
    uint64_t pages;     /* FOLD: distinct 4 KiB pages mapped */
    uint64_t addr_min;  /* SCALE: lowest input address (0 otherwise) */
    uint64_t addr_max;  /* SCALE: highest input address (0 otherwise) */
} migsim_import_report_t;

void migsim_import_opts_default(migsim_import_opts_t *o);

/* "dramsim3", "ramulator", "lackey", "ramulator-cpu", "champsim", "ftrace",
 * "qemu", "gem5" -> format; 0 or MIGSIM_EINVAL. */
int migsim_import_fmt_parse(const char *name, migsim_import_fmt_t *out);

/* Name of a format as accepted by migsim_import_fmt_parse(); "?" if unknown. */
const char *migsim_import_fmt_name(migsim_import_fmt_t fmt);

/* "blank", "comment", "tool", "event", "cmd", "insn", "nomem"; "?" if unknown. */
const char *migsim_import_skip_name(migsim_import_skip_t why);

/* "keep" / "fold" / "scale" -> placement; 0 or MIGSIM_EINVAL. */
int migsim_place_parse(const char *name, migsim_place_t *out);

/* Time mode the importer of `fmt` produces: open the writer with it. */
migsim_time_mode_t migsim_import_time_mode(migsim_import_fmt_t fmt);

/*
 * Read `in_path` in format `fmt` and append its accesses to `w`, whose time
 * mode must be migsim_import_time_mode(fmt). Input is streamed, never loaded
 * whole: plain, gzip (zlib) or xz (liblzma), detected from the first bytes.
 * Text formats skip and count blank lines and lines whose first non-blank
 * character is '#'. Addresses are placed per opts->place (SCALE reads the
 * input twice). `opts` may be NULL (defaults); `rep` may be NULL.
 * Returns 0, or MIGSIM_EFORMAT (bad line or record: message "in_path:line:
 * ..." for text, "in_path: record N: ..." for binary formats),
 * MIGSIM_ERANGE (number beyond 64 bits, time overflow, size 0 or above
 * MIGSIM_TRACE_MAX_SIZE, footprint beyond the FOLD region), MIGSIM_ETRUNC
 * (compressed stream or binary record cut short), MIGSIM_EIO, MIGSIM_ENOMEM,
 * MIGSIM_EINVAL (bad options or writer). On error the writer is poisoned,
 * so that closing it leaves nothing under its output name; the caller still
 * closes or aborts it. *rep holds the counts reached so far.
 */
int migsim_trace_import(const char *in_path, migsim_import_fmt_t fmt,
                        const migsim_import_opts_t *opts,
                        migsim_trace_writer_t *w, migsim_import_report_t *rep);

#ifdef __cplusplus
}
#endif
#endif /* MIGSIM_TRACE_H */
