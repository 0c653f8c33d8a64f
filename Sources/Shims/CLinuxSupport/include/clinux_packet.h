/*
 * Helpers for the userspace datapath (ValeSwitch): TPACKET_V3 ring walking
 * with the memory ordering the kernel expects, and TUN/TAP ioctls whose
 * request numbers are function-like macros in <linux/if_tun.h>.
 */
#ifndef VALED_CLINUX_PACKET_H
#define VALED_CLINUX_PACKET_H
#include <stdint.h>
#include <stddef.h>

/* One received frame of a TPACKET_V3 block. */
struct clinux_tpacket_frame {
    const uint8_t *data;   /* start of the Ethernet header (hdr + tp_mac) */
    uint32_t snaplen;      /* bytes present in the ring (tp_snaplen) */
    uint32_t length;       /* bytes on the wire (tp_len); > snaplen when truncated */
    uint32_t status;       /* tp_status bits (TP_STATUS_*) */
    uint32_t sec;          /* receive timestamp (tp_sec) */
    uint32_t nsec;         /* receive timestamp (tp_nsec) */
    uint8_t pkttype;       /* sockaddr_ll.sll_pkttype (PACKET_HOST, PACKET_OUTGOING, ...) */
};

/* Size of struct tpacket_req3, for PACKET_RX_RING. */
size_t clinux_tpacket_req3_size(void);
/* Fills a struct tpacket_req3 at `req`. */
void clinux_tpacket_req3_fill(void *req, unsigned block_size, unsigned block_count,
                              unsigned frame_size, unsigned retire_timeout_ms);

/* Non-zero when the block at `block` belongs to user space (TP_STATUS_USER),
   read with acquire ordering so the frames it holds are visible. */
int clinux_tpacket3_block_ready(const void *block);
/* Number of frames in a ready block (hdr.bh1.num_pkts). */
uint32_t clinux_tpacket3_block_frames(const void *block);
/* Gives the block back to the kernel (TP_STATUS_KERNEL) with release ordering. */
void clinux_tpacket3_block_release(void *block);
/* Offset of the first frame header within the block (offset_to_first_pkt). */
uint32_t clinux_tpacket3_block_first(const void *block);
/* Decodes the frame whose tpacket3_hdr is at `hdr`; returns tp_next_offset. */
uint32_t clinux_tpacket3_frame(const void *hdr, struct clinux_tpacket_frame *out);
/* Puts back the 802.1Q/802.1ad tag the kernel took out of the frame
   (TP_STATUS_VLAN_VALID: tp_vlan_tci, tp_vlan_tpid), in place: the MAC
   addresses and the `vnet_len`-byte virtio-net header before them move 4
   bytes towards the frame header, into the ring's alignment slack, and the
   header's csum_start/hdr_len grow by 4. Returns 1 when a tag was restored,
   0 when the frame had none, -1 when there is no room (never with the
   kernel's layout: 14 spare bytes before the virtio-net header). */
int clinux_tpacket3_restore_vlan(void *hdr, size_t vnet_len);

/* TPACKET_V3 transmit ring (PACKET_TX_RING): fixed-size slots, each a
   struct tpacket3_hdr followed by the frame at clinux_tpacket3_tx_data_offset(). */
size_t clinux_tpacket3_tx_data_offset(void);
/* tp_status of a slot, read with acquire ordering (0 = TP_STATUS_AVAILABLE). */
uint32_t clinux_tpacket3_tx_status(const void *slot);
/* Marks a filled slot TP_STATUS_SEND_REQUEST with release ordering. */
void clinux_tpacket3_tx_submit(void *slot, uint32_t length);
/* Gives a slot the kernel refused (TP_STATUS_WRONG_FORMAT) back to user space. */
void clinux_tpacket3_tx_reset(void *slot);
/* Fills a struct tpacket_req3 for PACKET_TX_RING (no retire timeout). */
void clinux_tpacket_req3_fill_tx(void *req, unsigned block_size, unsigned block_count, unsigned frame_size);

/* tp_packets / tp_drops of PACKET_STATISTICS for a TPACKET_V3 socket;
   reading resets the kernel counters. Returns 0 or -1 with errno. */
int clinux_packet_statistics(int fd, uint32_t *packets, uint32_t *drops);

/* eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC): the packet thread's wakeup. */
int clinux_eventfd_nonblocking(void);

/* sendmmsg(2) of `count` whole frames (frames[i], lengths[i]) with
   MSG_DONTWAIT: one system call for a batch. Returns frames sent or -1. */
int clinux_send_frames(int fd, const void *const *frames, const uint32_t *lengths, unsigned count);

/* Names the calling thread (prctl PR_SET_NAME; at most 15 bytes kept). */
int clinux_set_thread_name(const char *name);

/* ioctl request numbers from <linux/if_tun.h> (macros built with _IOW). */
unsigned long clinux_tunsetiff(void);
unsigned long clinux_tunsetpersist(void);
unsigned long clinux_tunsetowner(void);
unsigned long clinux_tunsetgroup(void);
unsigned long clinux_tungetiff(void);
unsigned long clinux_tunsetvnethdrsz(void);  /* argument: pointer to int */
unsigned long clinux_tunsetoffload(void);    /* argument: the TUN_F_* bits */

#endif
