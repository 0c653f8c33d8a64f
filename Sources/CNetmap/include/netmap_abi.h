/*
 * netmap_abi.h: valed's own declaration of the netmap control ABI for
 * Linux x86_64, written from NETMAP-API.md section 2 (API version 14).
 * No netmap header is included or copied; every size and offset here is
 * checked at test time against shared/netmap/abi-facts.txt.
 */
#ifndef VALED_NETMAP_ABI_H
#define VALED_NETMAP_ABI_H

#include <stdint.h>
#include <sys/time.h>

/* 2.1 ioctl request numbers (unsigned long on Linux). */
#define NIOCCTRL    0xC0586997UL /* _IOWR('i', 151, struct nmreq_header) */
#define NIOCTXSYNC  0x6994UL     /* _IO('i', 148) */
#define NIOCRXSYNC  0x6995UL     /* _IO('i', 149) */
#define NIOCGINFO   0xC03C6991UL /* legacy, recognition only */
#define NIOCREGIF   0xC03C6992UL /* legacy, recognition only */
#define NIOCCONFIG  0xC1106996UL /* legacy, recognition only */

/* 2.3.1 versions and sizes */
#define NETMAP_API             14
#define NETMAP_MIN_API         14
#define NETMAP_MAX_API         15
#define NETMAP_REQ_MAXSIZE     4096
#define NETMAP_REQ_IFNAMSIZ    64
#define NM_IFNAMSIZ            16  /* Linux IFNAMSIZ */
#define NM_CACHE_ALIGN         128
#define NETMAP_MAX_FRAGS       64

/* 2.3.2 request types */
#define NETMAP_REQ_REGISTER              1
#define NETMAP_REQ_PORT_INFO_GET         2
#define NETMAP_REQ_VALE_ATTACH           3
#define NETMAP_REQ_VALE_DETACH           4
#define NETMAP_REQ_VALE_LIST             5
#define NETMAP_REQ_PORT_HDR_SET          6
#define NETMAP_REQ_PORT_HDR_GET          7
#define NETMAP_REQ_VALE_NEWIF            8
#define NETMAP_REQ_VALE_DELIF            9
#define NETMAP_REQ_VALE_POLLING_ENABLE   10
#define NETMAP_REQ_VALE_POLLING_DISABLE  11
#define NETMAP_REQ_POOLS_INFO_GET        12
#define NETMAP_REQ_SYNC_KLOOP_START      13
#define NETMAP_REQ_SYNC_KLOOP_STOP       14
#define NETMAP_REQ_CSB_ENABLE            15

/* 2.3.3 option types */
#define NETMAP_REQ_OPT_EXTMEM             1
#define NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS 2
#define NETMAP_REQ_OPT_CSB                3
#define NETMAP_REQ_OPT_SYNC_KLOOP_MODE    4
#define NETMAP_REQ_OPT_OFFSETS            5
#define NETMAP_REQ_OPT_MAX                6

/* 2.3.4 register modes */
#define NR_REG_DEFAULT     0
#define NR_REG_ALL_NIC     1
#define NR_REG_SW          2
#define NR_REG_NIC_SW      3
#define NR_REG_ONE_NIC     4
#define NR_REG_PIPE_MASTER 5
#define NR_REG_PIPE_SLAVE  6
#define NR_REG_NULL        7
#define NR_REG_ONE_SW      8
#define NR_REG_MASK        0xF

/* 2.3.5 register flags (64-bit nr_flags) */
#define NR_MONITOR_TX       0x100ULL
#define NR_MONITOR_RX       0x200ULL
#define NR_ZCOPY_MON        0x400ULL
#define NR_EXCLUSIVE        0x800ULL
#define NR_RX_RINGS_ONLY    0x2000ULL
#define NR_TX_RINGS_ONLY    0x4000ULL
#define NR_ACCEPT_VNET_HDR  0x8000ULL
#define NR_DO_RX_POLL       0x10000ULL
#define NR_NO_TX_POLL       0x20000ULL

/* 2.3.6 slot flags */
#define NS_BUF_CHANGED 0x0001
#define NS_REPORT      0x0002
#define NS_FORWARD     0x0004
#define NS_NO_LEARN    0x0008
#define NS_INDIRECT    0x0010
#define NS_MOREFRAG    0x0020
#define NS_TXMON       0x0040
#define NS_PORT_SHIFT  8
#define NS_PORT_MASK   0xFF00

/* 2.3.7 ring and interface flags */
#define NR_TIMESTAMP 0x2
#define NR_FORWARD   0x4
#define NI_PRIV_MEM  0x1

/* 2.3.8 polling modes */
#define NETMAP_POLLING_MODE_SINGLE_CPU 1
#define NETMAP_POLLING_MODE_MULTI_CPU  2

/* 2.2.12 kloop mode bits */
#define NM_OPT_SYNC_KLOOP_DIRECT_TX 1
#define NM_OPT_SYNC_KLOOP_DIRECT_RX 2

/* 2.3.9 kernel-internal switch limits (not in public headers) */
#define NM_BRIDGES          8
#define NM_BDG_MAXPORTS     254
#define NM_BDG_USABLE_PORTS 252
#define NM_BDG_BROADCAST    254
#define NM_BDG_NOPORT       255
#define NM_BDG_HASH         1024
#define NM_BDG_MFS_DEFAULT  1514
#define NM_BDG_MAXRINGS     16
#define NM_BDG_MAXSLOTS     4096
#define NM_BRIDGE_RINGSIZE  1024
#define NM_BDG_BATCH        1024
#define NM_BDG_IFNAMSIZ     16
#define NM_BDG_BATCH_MAX    1088 /* NM_BDG_BATCH + NETMAP_MAX_FRAGS */

/* 2.3.10 legacy constants (recognition only) */
#define NETMAP_BDG_ATTACH      1
#define NETMAP_BDG_DETACH      2
#define NETMAP_BDG_REGOPS      3
#define NETMAP_BDG_LIST        4
#define NETMAP_BDG_VNET_HDR    5
#define NETMAP_BDG_NEWIF       6
#define NETMAP_BDG_DELIF       7
#define NETMAP_PT_HOST_CREATE  8
#define NETMAP_PT_HOST_DELETE  9
#define NETMAP_BDG_POLLING_ON  10
#define NETMAP_BDG_POLLING_OFF 11
#define NETMAP_VNET_HDR_GET    12
#define NETMAP_BDG_HOST        1
#define NETMAP_HW_RING         0x4000
#define NETMAP_SW_RING         0x2000
#define NETMAP_NO_TX_POLL      0x1000
#define NETMAP_DO_RX_POLL      0x8000
#define NETMAP_RING_MASK       0x0FFF

/* 2.2.1 */
struct nmreq_header {
    uint16_t nr_version;
    uint16_t nr_reqtype;
    uint32_t nr_reserved;
    char     nr_name[NETMAP_REQ_IFNAMSIZ];
    uint64_t nr_options;
    uint64_t nr_body;
};

/* 2.2.2 */
struct nmreq_option {
    uint64_t nro_next;
    uint32_t nro_reqtype;
    uint32_t nro_status;
    uint64_t nro_size;
};

/* 2.2.3 (the 4-byte hole at 44 is implicit, as in the real ABI) */
struct nmreq_register {
    uint64_t nr_offset;
    uint64_t nr_memsize;
    uint32_t nr_tx_slots;
    uint32_t nr_rx_slots;
    uint16_t nr_tx_rings;
    uint16_t nr_rx_rings;
    uint16_t nr_host_tx_rings;
    uint16_t nr_host_rx_rings;
    uint16_t nr_mem_id;
    uint16_t nr_ringid;
    uint32_t nr_mode;
    uint32_t nr_extra_bufs;
    uint64_t nr_flags;
};

/* 2.2.4 */
struct nmreq_port_info_get {
    uint64_t nr_memsize;
    uint32_t nr_tx_slots;
    uint32_t nr_rx_slots;
    uint16_t nr_tx_rings;
    uint16_t nr_rx_rings;
    uint16_t nr_host_tx_rings;
    uint16_t nr_host_rx_rings;
    uint16_t nr_mem_id;
    uint16_t pad[3];
};

/* 2.2.5 */
struct nmreq_vale_attach {
    struct nmreq_register reg;
    uint32_t port_index;
    uint32_t pad1;
};

/* 2.2.6 */
struct nmreq_vale_detach {
    uint32_t port_index;
    uint32_t pad1;
};

/* 2.2.7 */
struct nmreq_vale_list {
    uint16_t nr_bridge_idx;
    uint16_t pad1;
    uint32_t nr_port_idx;
};

/* 2.2.8 */
struct nmreq_port_hdr {
    uint32_t nr_hdr_len;
    uint32_t pad1;
};

/* 2.2.9 */
struct nmreq_vale_newif {
    uint32_t nr_tx_slots;
    uint32_t nr_rx_slots;
    uint16_t nr_tx_rings;
    uint16_t nr_rx_rings;
    uint16_t nr_mem_id;
    uint16_t pad1;
};

/* 2.2.10 */
struct nmreq_vale_polling {
    uint32_t nr_mode;
    uint32_t nr_first_cpu_id;
    uint32_t nr_num_polling_cpus;
    uint32_t pad1;
};

/* 2.2.11 */
struct nmreq_pools_info {
    uint64_t nr_memsize;
    uint16_t nr_mem_id;
    uint16_t pad1[3];
    uint64_t nr_if_pool_offset;
    uint32_t nr_if_pool_objtotal;
    uint32_t nr_if_pool_objsize;
    uint64_t nr_ring_pool_offset;
    uint32_t nr_ring_pool_objtotal;
    uint32_t nr_ring_pool_objsize;
    uint64_t nr_buf_pool_offset;
    uint32_t nr_buf_pool_objtotal;
    uint32_t nr_buf_pool_objsize;
};

/* 2.2.12 option payloads */
struct nmreq_opt_extmem {
    struct nmreq_option     nro_opt;
    uint64_t                nro_usrptr;
    struct nmreq_pools_info nro_info;
};

struct nmreq_opt_csb {
    struct nmreq_option nro_opt;
    uint64_t            csb_atok;
    uint64_t            csb_ktoa;
};

struct nmreq_opt_sync_kloop_mode {
    struct nmreq_option nro_opt;
    uint32_t            mode;
};

struct nmreq_opt_offsets {
    struct nmreq_option nro_opt;
    uint64_t            nro_max_offset;
    uint64_t            nro_initial_offset;
    uint32_t            nro_offset_bits;
    uint32_t            nro_tx_align;
    uint64_t            nro_min_gap;
};

struct nmreq_sync_kloop_start {
    uint32_t sleep_us;
    uint32_t pad1;
};

/* 2.2.13 shared memory */
struct netmap_if {
    char           ni_name[NM_IFNAMSIZ];
    const uint32_t ni_version;
    const uint32_t ni_flags;
    const uint32_t ni_tx_rings;
    const uint32_t ni_rx_rings;
    uint32_t       ni_bufs_head;
    const uint32_t ni_host_tx_rings;
    const uint32_t ni_host_rx_rings;
    uint32_t       ni_spare1[3];
    const int64_t  ring_ofs[];
};

struct netmap_slot {
    uint32_t buf_idx;
    uint16_t len;
    uint16_t flags;
    uint64_t ptr;
};

struct netmap_ring {
    const int64_t  buf_ofs;
    const uint32_t num_slots;
    const uint32_t nr_buf_size;
    const uint16_t ringid;
    const uint16_t dir;
    uint32_t       head;
    uint32_t       cur;
    uint32_t       tail;
    uint32_t       flags;
    struct timeval ts;
    const uint64_t offset_mask;
    const uint64_t buf_align;
    uint8_t        sem[128] __attribute__((__aligned__(NM_CACHE_ALIGN)));
    struct netmap_slot slot[];
};

/* Legacy struct nmreq: recognition only (2.2.13). */
struct nmreq {
    char     nr_name[NM_IFNAMSIZ];
    uint32_t nr_version;
    uint32_t nr_offset;
    uint32_t nr_memsize;
    uint32_t nr_tx_slots;
    uint32_t nr_rx_slots;
    uint16_t nr_tx_rings;
    uint16_t nr_rx_rings;
    uint16_t nr_ringid;
    uint16_t nr_cmd;
    uint16_t nr_arg1;
    uint16_t nr_arg2;
    uint32_t nr_arg3;
    uint32_t nr_flags;
    uint32_t spare2;
};

/* Non-variadic ioctl: Glibc's ioctl is variadic and does not import. */
int cnetmap_ioctl(int fd, unsigned long request, void *argument);

/*
 * Layout facts Swift cannot compute itself: offsets of flexible array
 * members (ring_ofs[], slot[]) and of the 128-aligned sem[], and the
 * alignment the compiler gives netmap_ring. Tests compare them with
 * abi-facts.txt; NetmapKit's ring walker uses them too.
 */
long cnetmap_offsetof_netmap_if_ring_ofs(void);
long cnetmap_offsetof_netmap_ring_sem(void);
long cnetmap_offsetof_netmap_ring_slot(void);
long cnetmap_alignof_netmap_ring(void);
long cnetmap_sizeof_netmap_ring(void);
/* Swift does not import struct netmap_ring (its over-aligned sem[] member),
 * so NetmapKit reaches its fields by these offsets; -1 = no such field. */
long cnetmap_offsetof_netmap_ring(const char *field);

#endif
