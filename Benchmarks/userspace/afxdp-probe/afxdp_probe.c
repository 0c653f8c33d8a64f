/*
 * afxdp-probe: forwards frames between two interfaces with AF_XDP (libxdp's
 * default XSK program, native XDP, copy mode), every frame from one port out
 * of the other, for a fixed time; no learning table. It exists only to
 * measure the AF_XDP alternative against ValeSwitch's AF_PACKET ports on the
 * same topology (Benchmarks/userspace/run.sh); it is not part of valed.
 *
 *   afxdp-probe SECONDS IFACE_A IFACE_B
 */
#include <errno.h>
#include <signal.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <xdp/xsk.h>

#define FRAMES 4096
#define FRAME_SIZE XSK_UMEM__DEFAULT_FRAME_SIZE
#define RING 2048
#define BATCH 256

struct port {
    const char *name;
    void *area;
    struct xsk_umem *umem;
    struct xsk_socket *xsk;
    struct xsk_ring_prod fill, tx;
    struct xsk_ring_cons comp, rx;
    uint64_t free_tx[FRAMES];
    unsigned free_count;
    unsigned long forwarded;
};

static volatile sig_atomic_t stopping;
static void on_signal(int sig) { (void)sig; stopping = 1; }

static int open_port(struct port *p, const char *name) {
    p->name = name;
    p->area = mmap(NULL, (size_t)FRAMES * FRAME_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p->area == MAP_FAILED) return -errno;
    struct xsk_umem_config ucfg = { .fill_size = RING, .comp_size = RING, .frame_size = FRAME_SIZE,
                                    .frame_headroom = 0, .flags = 0 };
    int r = xsk_umem__create(&p->umem, p->area, (uint64_t)FRAMES * FRAME_SIZE, &p->fill, &p->comp, &ucfg);
    if (r) return r;
    struct xsk_socket_config cfg = { .rx_size = RING, .tx_size = RING, .libxdp_flags = 0,
                                     .xdp_flags = XDP_FLAGS_DRV_MODE, .bind_flags = XDP_COPY };
    r = xsk_socket__create(&p->xsk, name, 0, p->umem, &p->rx, &p->tx, &cfg);
    if (r) {
        fprintf(stderr, "afxdp-probe: %s: native XDP failed (%s), trying generic mode\n", name, strerror(-r));
        cfg.xdp_flags = XDP_FLAGS_SKB_MODE;
        r = xsk_socket__create(&p->xsk, name, 0, p->umem, &p->rx, &p->tx, &cfg);
        if (r) return r;
    }
    /* First half of the frames receive, second half transmit. */
    uint32_t idx;
    if (xsk_ring_prod__reserve(&p->fill, FRAMES / 2, &idx) != FRAMES / 2) return -ENOSPC;
    for (unsigned i = 0; i < FRAMES / 2; i++) *xsk_ring_prod__fill_addr(&p->fill, idx + i) = (uint64_t)i * FRAME_SIZE;
    xsk_ring_prod__submit(&p->fill, FRAMES / 2);
    for (unsigned i = FRAMES / 2; i < FRAMES; i++) p->free_tx[p->free_count++] = (uint64_t)i * FRAME_SIZE;
    return 0;
}

static void reclaim(struct port *p) {
    uint32_t idx;
    unsigned n = xsk_ring_cons__peek(&p->comp, BATCH, &idx);
    for (unsigned i = 0; i < n; i++) p->free_tx[p->free_count++] = *xsk_ring_cons__comp_addr(&p->comp, idx + i);
    if (n) xsk_ring_cons__release(&p->comp, n);
}

static void forward(struct port *src, struct port *dst) {
    uint32_t rx_idx, tx_idx = 0, fill_idx;
    reclaim(dst);
    unsigned n = xsk_ring_cons__peek(&src->rx, BATCH, &rx_idx);
    if (!n) return;
    unsigned k = n < dst->free_count ? n : dst->free_count;
    if (k && xsk_ring_prod__reserve(&dst->tx, k, &tx_idx) != k) k = 0;
    while (xsk_ring_prod__reserve(&src->fill, n, &fill_idx) != n) { /* the fill ring always has room: n <= its free slots */ }
    for (unsigned i = 0; i < n; i++) {
        const struct xdp_desc *d = xsk_ring_cons__rx_desc(&src->rx, rx_idx + i);
        if (i < k) {
            uint64_t frame = dst->free_tx[--dst->free_count];
            memcpy(xsk_umem__get_data(dst->area, frame), xsk_umem__get_data(src->area, d->addr), d->len);
            struct xdp_desc *t = xsk_ring_prod__tx_desc(&dst->tx, tx_idx + i);
            t->addr = frame;
            t->len = d->len;
        }
        *xsk_ring_prod__fill_addr(&src->fill, fill_idx + i) = xsk_umem__extract_addr(d->addr);
    }
    xsk_ring_cons__release(&src->rx, n);
    xsk_ring_prod__submit(&src->fill, n);
    if (k) {
        xsk_ring_prod__submit(&dst->tx, k);
        /* Copy mode transmits at most 32 frames per wakeup (the kernel's
           TX_BATCH_SIZE): kick until this batch is handed over. */
        for (unsigned left = k + 32; left >= 32; left -= 32)
            sendto(xsk_socket__fd(dst->xsk), NULL, 0, MSG_DONTWAIT, NULL, 0);
        src->forwarded += k;
    }
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: afxdp-probe SECONDS IFACE_A IFACE_B\n"); return 2; }
    static struct port a, b;
    int r;
    if ((r = open_port(&a, argv[2])) || (r = open_port(&b, argv[3]))) {
        fprintf(stderr, "afxdp-probe: cannot open AF_XDP sockets: %s\n", strerror(-r));
        return 1;
    }
    time_t end = time(NULL) + atoi(argv[1]);
    /* Stop cleanly on SIGINT/SIGTERM so the XDP program is detached. */
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    struct pollfd fds[2] = { { xsk_socket__fd(a.xsk), POLLIN, 0 }, { xsk_socket__fd(b.xsk), POLLIN, 0 } };
    while (!stopping && time(NULL) < end) {
        if (poll(fds, 2, 1000) <= 0) continue;
        forward(&a, &b);
        forward(&b, &a);
    }
    printf("%s->%s %lu %s->%s %lu\n", a.name, b.name, a.forwarded, b.name, a.name, b.forwarded);
    struct port *ports[2] = { &a, &b };
    for (int i = 0; i < 2; i++) {
        struct xdp_statistics st;
        socklen_t len = sizeof(st);
        if (getsockopt(xsk_socket__fd(ports[i]->xsk), SOL_XDP, XDP_STATISTICS, &st, &len) == 0)
            printf("%s: rx_dropped %llu rx_ring_full %llu fill_empty %llu tx_invalid %llu tx_ring_empty %llu\n",
                   ports[i]->name, st.rx_dropped, st.rx_ring_full, st.rx_fill_ring_empty_descs,
                   st.tx_invalid_descs, st.tx_ring_empty_descs);
    }
    fflush(stdout);
    xsk_socket__delete(a.xsk); xsk_socket__delete(b.xsk);
    xsk_umem__delete(a.umem); xsk_umem__delete(b.umem);
    return 0;
}
