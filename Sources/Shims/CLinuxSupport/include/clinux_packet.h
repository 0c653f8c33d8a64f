/*
 * Helpers for the userspace datapath (ValeSwitch): TPACKET_V2 ring walking
 * with the memory ordering the kernel expects, and TUN/TAP ioctls whose
 * request numbers are function-like macros in <linux/if_tun.h>.
 */
#ifndef VALED_CLINUX_PACKET_H
#define VALED_CLINUX_PACKET_H
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

/* One received frame of a TPACKET_V2 slot. */
struct clinux_tpacket_frame {
    const uint8_t *data;   /* start of the Ethernet header (hdr + tp_mac) */
    uint32_t snaplen;      /* bytes present in the slot (tp_snaplen) */
    uint32_t length;       /* bytes on the wire (tp_len); > snaplen when truncated */
    uint32_t status;       /* tp_status bits (TP_STATUS_*) */
    uint32_t sec;          /* receive timestamp (tp_sec) */
    uint32_t nsec;         /* receive timestamp (tp_nsec) */
    uint8_t pkttype;       /* sockaddr_ll.sll_pkttype (PACKET_HOST, PACKET_OUTGOING, ...) */
};

/* Size of struct tpacket_req, for PACKET_RX_RING / PACKET_TX_RING with TPACKET_V2. */
size_t clinux_tpacket_req_size(void);
/* Fills a struct tpacket_req at `req` (tp_frame_nr = frames per block x blocks). */
void clinux_tpacket_req_fill(void *req, unsigned block_size, unsigned block_count, unsigned frame_size);

/* tp_status of the TPACKET_V2 slot at `slot`, read with acquire ordering so
   the frame it holds is visible (TP_STATUS_USER: the slot is user space's). */
uint32_t clinux_tpacket2_status(const void *slot);
/* Gives the slot back to the kernel (TP_STATUS_KERNEL) with release ordering. */
void clinux_tpacket2_release(void *slot);
/* Decodes the frame whose tpacket2_hdr is at `slot`. */
void clinux_tpacket2_frame(const void *slot, struct clinux_tpacket_frame *out);
/* Puts back the 802.1Q/802.1ad tag the kernel took out of the frame
   (TP_STATUS_VLAN_VALID: tp_vlan_tci, tp_vlan_tpid), in place: the MAC
   addresses and the `vnet_len`-byte virtio-net header before them move 4
   bytes towards the slot header, into the slot's alignment slack, and the
   header's csum_start/hdr_len grow by 4. Returns 1 when a tag was restored,
   0 when the frame had none, -1 when there is no room (never with the
   kernel's layout: 14 spare bytes before the virtio-net header). */
int clinux_tpacket2_restore_vlan(void *slot, size_t vnet_len);
/* The same for any buffer: `start` is the virtio-net header (`vnet_len`
   bytes) followed by the untagged frame, with 4 writable bytes before it;
   the result starts at start - 4. `tpid` 0 means 0x8100. */
void clinux_insert_vlan_tag(uint8_t *start, size_t vnet_len, uint16_t tci, uint16_t tpid);
/* Offset of the MAC header in a slot as tpacket_rcv computes it for
   SOCK_RAW with a 14-byte MAC header and a `vnet_len`-byte virtio-net header. */
uint16_t clinux_tpacket2_mac_offset(size_t vnet_len);
/* Writes a slot as tpacket_rcv does (for tests of the receive loop). */
void clinux_tpacket2_fill_slot(void *slot, uint32_t status, uint32_t length, uint32_t snaplen, uint16_t mac,
                               uint8_t pkttype, uint16_t vlan_tci, uint16_t vlan_tpid);

/* recvmsg(MSG_DONTWAIT | MSG_TRUNC) of the next frame on the socket's
   receive queue (with PACKET_VNET_HDR: the virtio-net header, then the
   frame) into `buffer`. Returns the full length (larger than `length` when
   the frame did not fit) or -1 with errno. `*vlan` gets TPID << 16 | TCI
   from the PACKET_AUXDATA message when the kernel untagged the frame, else 0. */
ssize_t clinux_recv_frame(int fd, void *buffer, size_t length, uint32_t *vlan);

/* TPACKET_V2 transmit ring (PACKET_TX_RING): fixed-size slots, each a
   struct tpacket2_hdr followed by the frame at clinux_tpacket2_tx_data_offset(). */
size_t clinux_tpacket2_tx_data_offset(void);
/* tp_status of a slot, read with acquire ordering (0 = TP_STATUS_AVAILABLE). */
uint32_t clinux_tpacket2_tx_status(const void *slot);
/* Marks a filled slot TP_STATUS_SEND_REQUEST with release ordering. */
void clinux_tpacket2_tx_submit(void *slot, uint32_t length);
/* Gives a slot the kernel refused (TP_STATUS_WRONG_FORMAT) back to user space. */
void clinux_tpacket2_tx_reset(void *slot);

/* tp_packets / tp_drops of PACKET_STATISTICS (struct tpacket_stats, V1/V2);
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
