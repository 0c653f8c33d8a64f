import CNetmap
import Foundation
import Testing
@testable import NetmapKit

/// Every size, alignment, offset and constant of abi-facts.txt against our
/// declarations (CNetmap's header as Swift imports it, C helpers where Swift
/// cannot see a member, and NetmapKit's Swift-level constants).
@Suite struct ABIFactsTests {
    /// Sizes, alignments and offsets as the compiler lays out our declarations.
    static let layout: [String: Int?] = [
        "sizeof struct_nmreq_header": MemoryLayout<nmreq_header>.size,
        "alignof struct_nmreq_header": MemoryLayout<nmreq_header>.alignment,
        "offsetof struct_nmreq_header.nr_version": MemoryLayout<nmreq_header>.offset(of: \nmreq_header.nr_version),
        "offsetof struct_nmreq_header.nr_reqtype": MemoryLayout<nmreq_header>.offset(of: \nmreq_header.nr_reqtype),
        "offsetof struct_nmreq_header.nr_reserved": MemoryLayout<nmreq_header>.offset(of: \nmreq_header.nr_reserved),
        "offsetof struct_nmreq_header.nr_name": MemoryLayout<nmreq_header>.offset(of: \nmreq_header.nr_name),
        "offsetof struct_nmreq_header.nr_options": MemoryLayout<nmreq_header>.offset(of: \nmreq_header.nr_options),
        "offsetof struct_nmreq_header.nr_body": MemoryLayout<nmreq_header>.offset(of: \nmreq_header.nr_body),
        "sizeof struct_nmreq_register": MemoryLayout<nmreq_register>.size,
        "alignof struct_nmreq_register": MemoryLayout<nmreq_register>.alignment,
        "offsetof struct_nmreq_register.nr_offset": MemoryLayout<nmreq_register>.offset(of: \nmreq_register.nr_offset),
        "offsetof struct_nmreq_register.nr_memsize": MemoryLayout<nmreq_register>.offset(of: \nmreq_register.nr_memsize),
        "offsetof struct_nmreq_register.nr_tx_slots": MemoryLayout<nmreq_register>.offset(of: \nmreq_register.nr_tx_slots),
        "offsetof struct_nmreq_register.nr_rx_slots": MemoryLayout<nmreq_register>.offset(of: \nmreq_register.nr_rx_slots),
        "offsetof struct_nmreq_register.nr_tx_rings": MemoryLayout<nmreq_register>.offset(of: \nmreq_register.nr_tx_rings),
        "offsetof struct_nmreq_register.nr_rx_rings": MemoryLayout<nmreq_register>.offset(of: \nmreq_register.nr_rx_rings),
        "offsetof struct_nmreq_register.nr_host_tx_rings": MemoryLayout<nmreq_register>.offset(of: \nmreq_register.nr_host_tx_rings),
        "offsetof struct_nmreq_register.nr_host_rx_rings": MemoryLayout<nmreq_register>.offset(of: \nmreq_register.nr_host_rx_rings),
        "offsetof struct_nmreq_register.nr_mem_id": MemoryLayout<nmreq_register>.offset(of: \nmreq_register.nr_mem_id),
        "offsetof struct_nmreq_register.nr_ringid": MemoryLayout<nmreq_register>.offset(of: \nmreq_register.nr_ringid),
        "offsetof struct_nmreq_register.nr_mode": MemoryLayout<nmreq_register>.offset(of: \nmreq_register.nr_mode),
        "offsetof struct_nmreq_register.nr_extra_bufs": MemoryLayout<nmreq_register>.offset(of: \nmreq_register.nr_extra_bufs),
        "offsetof struct_nmreq_register.nr_flags": MemoryLayout<nmreq_register>.offset(of: \nmreq_register.nr_flags),
        "sizeof struct_nmreq_vale_attach": MemoryLayout<nmreq_vale_attach>.size,
        "alignof struct_nmreq_vale_attach": MemoryLayout<nmreq_vale_attach>.alignment,
        "offsetof struct_nmreq_vale_attach.reg": MemoryLayout<nmreq_vale_attach>.offset(of: \nmreq_vale_attach.reg),
        "offsetof struct_nmreq_vale_attach.port_index": MemoryLayout<nmreq_vale_attach>.offset(of: \nmreq_vale_attach.port_index),
        "offsetof struct_nmreq_vale_attach.pad1": MemoryLayout<nmreq_vale_attach>.offset(of: \nmreq_vale_attach.pad1),
        "sizeof struct_nmreq_vale_detach": MemoryLayout<nmreq_vale_detach>.size,
        "alignof struct_nmreq_vale_detach": MemoryLayout<nmreq_vale_detach>.alignment,
        "offsetof struct_nmreq_vale_detach.port_index": MemoryLayout<nmreq_vale_detach>.offset(of: \nmreq_vale_detach.port_index),
        "offsetof struct_nmreq_vale_detach.pad1": MemoryLayout<nmreq_vale_detach>.offset(of: \nmreq_vale_detach.pad1),
        "sizeof struct_nmreq_vale_list": MemoryLayout<nmreq_vale_list>.size,
        "alignof struct_nmreq_vale_list": MemoryLayout<nmreq_vale_list>.alignment,
        "offsetof struct_nmreq_vale_list.nr_bridge_idx": MemoryLayout<nmreq_vale_list>.offset(of: \nmreq_vale_list.nr_bridge_idx),
        "offsetof struct_nmreq_vale_list.pad1": MemoryLayout<nmreq_vale_list>.offset(of: \nmreq_vale_list.pad1),
        "offsetof struct_nmreq_vale_list.nr_port_idx": MemoryLayout<nmreq_vale_list>.offset(of: \nmreq_vale_list.nr_port_idx),
        "sizeof struct_nmreq_vale_newif": MemoryLayout<nmreq_vale_newif>.size,
        "alignof struct_nmreq_vale_newif": MemoryLayout<nmreq_vale_newif>.alignment,
        "offsetof struct_nmreq_vale_newif.nr_tx_slots": MemoryLayout<nmreq_vale_newif>.offset(of: \nmreq_vale_newif.nr_tx_slots),
        "offsetof struct_nmreq_vale_newif.nr_rx_slots": MemoryLayout<nmreq_vale_newif>.offset(of: \nmreq_vale_newif.nr_rx_slots),
        "offsetof struct_nmreq_vale_newif.nr_tx_rings": MemoryLayout<nmreq_vale_newif>.offset(of: \nmreq_vale_newif.nr_tx_rings),
        "offsetof struct_nmreq_vale_newif.nr_rx_rings": MemoryLayout<nmreq_vale_newif>.offset(of: \nmreq_vale_newif.nr_rx_rings),
        "offsetof struct_nmreq_vale_newif.nr_mem_id": MemoryLayout<nmreq_vale_newif>.offset(of: \nmreq_vale_newif.nr_mem_id),
        "offsetof struct_nmreq_vale_newif.pad1": MemoryLayout<nmreq_vale_newif>.offset(of: \nmreq_vale_newif.pad1),
        "sizeof struct_nmreq_vale_polling": MemoryLayout<nmreq_vale_polling>.size,
        "alignof struct_nmreq_vale_polling": MemoryLayout<nmreq_vale_polling>.alignment,
        "offsetof struct_nmreq_vale_polling.nr_mode": MemoryLayout<nmreq_vale_polling>.offset(of: \nmreq_vale_polling.nr_mode),
        "offsetof struct_nmreq_vale_polling.nr_first_cpu_id": MemoryLayout<nmreq_vale_polling>.offset(of: \nmreq_vale_polling.nr_first_cpu_id),
        "offsetof struct_nmreq_vale_polling.nr_num_polling_cpus": MemoryLayout<nmreq_vale_polling>.offset(of: \nmreq_vale_polling.nr_num_polling_cpus),
        "offsetof struct_nmreq_vale_polling.pad1": MemoryLayout<nmreq_vale_polling>.offset(of: \nmreq_vale_polling.pad1),
        "sizeof struct_nmreq_port_info_get": MemoryLayout<nmreq_port_info_get>.size,
        "alignof struct_nmreq_port_info_get": MemoryLayout<nmreq_port_info_get>.alignment,
        "offsetof struct_nmreq_port_info_get.nr_memsize": MemoryLayout<nmreq_port_info_get>.offset(of: \nmreq_port_info_get.nr_memsize),
        "offsetof struct_nmreq_port_info_get.nr_tx_slots": MemoryLayout<nmreq_port_info_get>.offset(of: \nmreq_port_info_get.nr_tx_slots),
        "offsetof struct_nmreq_port_info_get.nr_rx_slots": MemoryLayout<nmreq_port_info_get>.offset(of: \nmreq_port_info_get.nr_rx_slots),
        "offsetof struct_nmreq_port_info_get.nr_tx_rings": MemoryLayout<nmreq_port_info_get>.offset(of: \nmreq_port_info_get.nr_tx_rings),
        "offsetof struct_nmreq_port_info_get.nr_rx_rings": MemoryLayout<nmreq_port_info_get>.offset(of: \nmreq_port_info_get.nr_rx_rings),
        "offsetof struct_nmreq_port_info_get.nr_host_tx_rings": MemoryLayout<nmreq_port_info_get>.offset(of: \nmreq_port_info_get.nr_host_tx_rings),
        "offsetof struct_nmreq_port_info_get.nr_host_rx_rings": MemoryLayout<nmreq_port_info_get>.offset(of: \nmreq_port_info_get.nr_host_rx_rings),
        "offsetof struct_nmreq_port_info_get.nr_mem_id": MemoryLayout<nmreq_port_info_get>.offset(of: \nmreq_port_info_get.nr_mem_id),
        "offsetof struct_nmreq_port_info_get.pad": MemoryLayout<nmreq_port_info_get>.offset(of: \nmreq_port_info_get.pad),
        "sizeof struct_nmreq_port_hdr": MemoryLayout<nmreq_port_hdr>.size,
        "alignof struct_nmreq_port_hdr": MemoryLayout<nmreq_port_hdr>.alignment,
        "offsetof struct_nmreq_port_hdr.nr_hdr_len": MemoryLayout<nmreq_port_hdr>.offset(of: \nmreq_port_hdr.nr_hdr_len),
        "offsetof struct_nmreq_port_hdr.pad1": MemoryLayout<nmreq_port_hdr>.offset(of: \nmreq_port_hdr.pad1),
        "sizeof struct_nmreq_pools_info": MemoryLayout<nmreq_pools_info>.size,
        "alignof struct_nmreq_pools_info": MemoryLayout<nmreq_pools_info>.alignment,
        "offsetof struct_nmreq_pools_info.nr_memsize": MemoryLayout<nmreq_pools_info>.offset(of: \nmreq_pools_info.nr_memsize),
        "offsetof struct_nmreq_pools_info.nr_mem_id": MemoryLayout<nmreq_pools_info>.offset(of: \nmreq_pools_info.nr_mem_id),
        "offsetof struct_nmreq_pools_info.pad1": MemoryLayout<nmreq_pools_info>.offset(of: \nmreq_pools_info.pad1),
        "offsetof struct_nmreq_pools_info.nr_if_pool_offset": MemoryLayout<nmreq_pools_info>.offset(of: \nmreq_pools_info.nr_if_pool_offset),
        "offsetof struct_nmreq_pools_info.nr_if_pool_objtotal": MemoryLayout<nmreq_pools_info>.offset(of: \nmreq_pools_info.nr_if_pool_objtotal),
        "offsetof struct_nmreq_pools_info.nr_if_pool_objsize": MemoryLayout<nmreq_pools_info>.offset(of: \nmreq_pools_info.nr_if_pool_objsize),
        "offsetof struct_nmreq_pools_info.nr_ring_pool_offset": MemoryLayout<nmreq_pools_info>.offset(of: \nmreq_pools_info.nr_ring_pool_offset),
        "offsetof struct_nmreq_pools_info.nr_ring_pool_objtotal": MemoryLayout<nmreq_pools_info>.offset(of: \nmreq_pools_info.nr_ring_pool_objtotal),
        "offsetof struct_nmreq_pools_info.nr_ring_pool_objsize": MemoryLayout<nmreq_pools_info>.offset(of: \nmreq_pools_info.nr_ring_pool_objsize),
        "offsetof struct_nmreq_pools_info.nr_buf_pool_offset": MemoryLayout<nmreq_pools_info>.offset(of: \nmreq_pools_info.nr_buf_pool_offset),
        "offsetof struct_nmreq_pools_info.nr_buf_pool_objtotal": MemoryLayout<nmreq_pools_info>.offset(of: \nmreq_pools_info.nr_buf_pool_objtotal),
        "offsetof struct_nmreq_pools_info.nr_buf_pool_objsize": MemoryLayout<nmreq_pools_info>.offset(of: \nmreq_pools_info.nr_buf_pool_objsize),
        "sizeof struct_nmreq_option": MemoryLayout<nmreq_option>.size,
        "alignof struct_nmreq_option": MemoryLayout<nmreq_option>.alignment,
        "offsetof struct_nmreq_option.nro_next": MemoryLayout<nmreq_option>.offset(of: \nmreq_option.nro_next),
        "offsetof struct_nmreq_option.nro_reqtype": MemoryLayout<nmreq_option>.offset(of: \nmreq_option.nro_reqtype),
        "offsetof struct_nmreq_option.nro_status": MemoryLayout<nmreq_option>.offset(of: \nmreq_option.nro_status),
        "offsetof struct_nmreq_option.nro_size": MemoryLayout<nmreq_option>.offset(of: \nmreq_option.nro_size),
        "sizeof struct_nmreq_opt_extmem": MemoryLayout<nmreq_opt_extmem>.size,
        "alignof struct_nmreq_opt_extmem": MemoryLayout<nmreq_opt_extmem>.alignment,
        "offsetof struct_nmreq_opt_extmem.nro_opt": MemoryLayout<nmreq_opt_extmem>.offset(of: \nmreq_opt_extmem.nro_opt),
        "offsetof struct_nmreq_opt_extmem.nro_usrptr": MemoryLayout<nmreq_opt_extmem>.offset(of: \nmreq_opt_extmem.nro_usrptr),
        "offsetof struct_nmreq_opt_extmem.nro_info": MemoryLayout<nmreq_opt_extmem>.offset(of: \nmreq_opt_extmem.nro_info),
        "sizeof struct_nmreq_opt_csb": MemoryLayout<nmreq_opt_csb>.size,
        "alignof struct_nmreq_opt_csb": MemoryLayout<nmreq_opt_csb>.alignment,
        "offsetof struct_nmreq_opt_csb.nro_opt": MemoryLayout<nmreq_opt_csb>.offset(of: \nmreq_opt_csb.nro_opt),
        "offsetof struct_nmreq_opt_csb.csb_atok": MemoryLayout<nmreq_opt_csb>.offset(of: \nmreq_opt_csb.csb_atok),
        "offsetof struct_nmreq_opt_csb.csb_ktoa": MemoryLayout<nmreq_opt_csb>.offset(of: \nmreq_opt_csb.csb_ktoa),
        "sizeof struct_nmreq_opt_offsets": MemoryLayout<nmreq_opt_offsets>.size,
        "alignof struct_nmreq_opt_offsets": MemoryLayout<nmreq_opt_offsets>.alignment,
        "offsetof struct_nmreq_opt_offsets.nro_opt": MemoryLayout<nmreq_opt_offsets>.offset(of: \nmreq_opt_offsets.nro_opt),
        "offsetof struct_nmreq_opt_offsets.nro_max_offset": MemoryLayout<nmreq_opt_offsets>.offset(of: \nmreq_opt_offsets.nro_max_offset),
        "offsetof struct_nmreq_opt_offsets.nro_initial_offset": MemoryLayout<nmreq_opt_offsets>.offset(of: \nmreq_opt_offsets.nro_initial_offset),
        "offsetof struct_nmreq_opt_offsets.nro_offset_bits": MemoryLayout<nmreq_opt_offsets>.offset(of: \nmreq_opt_offsets.nro_offset_bits),
        "offsetof struct_nmreq_opt_offsets.nro_tx_align": MemoryLayout<nmreq_opt_offsets>.offset(of: \nmreq_opt_offsets.nro_tx_align),
        "offsetof struct_nmreq_opt_offsets.nro_min_gap": MemoryLayout<nmreq_opt_offsets>.offset(of: \nmreq_opt_offsets.nro_min_gap),
        "sizeof struct_nmreq_sync_kloop_start": MemoryLayout<nmreq_sync_kloop_start>.size,
        "alignof struct_nmreq_sync_kloop_start": MemoryLayout<nmreq_sync_kloop_start>.alignment,
        "offsetof struct_nmreq_sync_kloop_start.sleep_us": MemoryLayout<nmreq_sync_kloop_start>.offset(of: \nmreq_sync_kloop_start.sleep_us),
        "sizeof struct_netmap_if": MemoryLayout<netmap_if>.size,
        "alignof struct_netmap_if": MemoryLayout<netmap_if>.alignment,
        "offsetof struct_netmap_if.ni_name": MemoryLayout<netmap_if>.offset(of: \netmap_if.ni_name),
        "offsetof struct_netmap_if.ni_version": MemoryLayout<netmap_if>.offset(of: \netmap_if.ni_version),
        "offsetof struct_netmap_if.ni_flags": MemoryLayout<netmap_if>.offset(of: \netmap_if.ni_flags),
        "offsetof struct_netmap_if.ni_tx_rings": MemoryLayout<netmap_if>.offset(of: \netmap_if.ni_tx_rings),
        "offsetof struct_netmap_if.ni_rx_rings": MemoryLayout<netmap_if>.offset(of: \netmap_if.ni_rx_rings),
        "offsetof struct_netmap_if.ni_bufs_head": MemoryLayout<netmap_if>.offset(of: \netmap_if.ni_bufs_head),
        "offsetof struct_netmap_if.ni_host_tx_rings": MemoryLayout<netmap_if>.offset(of: \netmap_if.ni_host_tx_rings),
        "offsetof struct_netmap_if.ni_host_rx_rings": MemoryLayout<netmap_if>.offset(of: \netmap_if.ni_host_rx_rings),
        "offsetof struct_netmap_if.ni_spare1": MemoryLayout<netmap_if>.offset(of: \netmap_if.ni_spare1),
        "offsetof struct_netmap_if.ring_ofs": Int(cnetmap_offsetof_netmap_if_ring_ofs()),
        "sizeof struct_netmap_ring": Int(cnetmap_sizeof_netmap_ring()),
        "alignof struct_netmap_ring": Int(cnetmap_alignof_netmap_ring()),
        "offsetof struct_netmap_ring.buf_ofs": Int(cnetmap_offsetof_netmap_ring("buf_ofs")),
        "offsetof struct_netmap_ring.num_slots": Int(cnetmap_offsetof_netmap_ring("num_slots")),
        "offsetof struct_netmap_ring.nr_buf_size": Int(cnetmap_offsetof_netmap_ring("nr_buf_size")),
        "offsetof struct_netmap_ring.ringid": Int(cnetmap_offsetof_netmap_ring("ringid")),
        "offsetof struct_netmap_ring.dir": Int(cnetmap_offsetof_netmap_ring("dir")),
        "offsetof struct_netmap_ring.head": Int(cnetmap_offsetof_netmap_ring("head")),
        "offsetof struct_netmap_ring.cur": Int(cnetmap_offsetof_netmap_ring("cur")),
        "offsetof struct_netmap_ring.tail": Int(cnetmap_offsetof_netmap_ring("tail")),
        "offsetof struct_netmap_ring.flags": Int(cnetmap_offsetof_netmap_ring("flags")),
        "offsetof struct_netmap_ring.ts": Int(cnetmap_offsetof_netmap_ring("ts")),
        "offsetof struct_netmap_ring.offset_mask": Int(cnetmap_offsetof_netmap_ring("offset_mask")),
        "offsetof struct_netmap_ring.buf_align": Int(cnetmap_offsetof_netmap_ring("buf_align")),
        "offsetof struct_netmap_ring.sem": Int(cnetmap_offsetof_netmap_ring_sem()),
        "offsetof struct_netmap_ring.slot": Int(cnetmap_offsetof_netmap_ring_slot()),
        "sizeof struct_netmap_slot": MemoryLayout<netmap_slot>.size,
        "alignof struct_netmap_slot": MemoryLayout<netmap_slot>.alignment,
        "offsetof struct_netmap_slot.buf_idx": MemoryLayout<netmap_slot>.offset(of: \netmap_slot.buf_idx),
        "offsetof struct_netmap_slot.len": MemoryLayout<netmap_slot>.offset(of: \netmap_slot.len),
        "offsetof struct_netmap_slot.flags": MemoryLayout<netmap_slot>.offset(of: \netmap_slot.flags),
        "offsetof struct_netmap_slot.ptr": MemoryLayout<netmap_slot>.offset(of: \netmap_slot.ptr),
        "sizeof struct_nmreq": MemoryLayout<nmreq>.size,
        "alignof struct_nmreq": MemoryLayout<nmreq>.alignment,
        "offsetof struct_nmreq.nr_name": MemoryLayout<nmreq>.offset(of: \nmreq.nr_name),
        "offsetof struct_nmreq.nr_version": MemoryLayout<nmreq>.offset(of: \nmreq.nr_version),
        "offsetof struct_nmreq.nr_offset": MemoryLayout<nmreq>.offset(of: \nmreq.nr_offset),
        "offsetof struct_nmreq.nr_memsize": MemoryLayout<nmreq>.offset(of: \nmreq.nr_memsize),
        "offsetof struct_nmreq.nr_tx_slots": MemoryLayout<nmreq>.offset(of: \nmreq.nr_tx_slots),
        "offsetof struct_nmreq.nr_rx_slots": MemoryLayout<nmreq>.offset(of: \nmreq.nr_rx_slots),
        "offsetof struct_nmreq.nr_tx_rings": MemoryLayout<nmreq>.offset(of: \nmreq.nr_tx_rings),
        "offsetof struct_nmreq.nr_rx_rings": MemoryLayout<nmreq>.offset(of: \nmreq.nr_rx_rings),
        "offsetof struct_nmreq.nr_ringid": MemoryLayout<nmreq>.offset(of: \nmreq.nr_ringid),
        "offsetof struct_nmreq.nr_cmd": MemoryLayout<nmreq>.offset(of: \nmreq.nr_cmd),
        "offsetof struct_nmreq.nr_arg1": MemoryLayout<nmreq>.offset(of: \nmreq.nr_arg1),
        "offsetof struct_nmreq.nr_arg2": MemoryLayout<nmreq>.offset(of: \nmreq.nr_arg2),
        "offsetof struct_nmreq.nr_arg3": MemoryLayout<nmreq>.offset(of: \nmreq.nr_arg3),
        "offsetof struct_nmreq.nr_flags": MemoryLayout<nmreq>.offset(of: \nmreq.nr_flags),
        "offsetof struct_nmreq.spare2": MemoryLayout<nmreq>.offset(of: \nmreq.spare2),    ]

    /// The C constants of netmap_abi.h.
    static let constants: [String: UInt64] = [
        "const NETMAP_API": UInt64(NETMAP_API),
        "const NETMAP_MIN_API": UInt64(NETMAP_MIN_API),
        "const NETMAP_MAX_API": UInt64(NETMAP_MAX_API),
        "const NETMAP_REQ_MAXSIZE": UInt64(NETMAP_REQ_MAXSIZE),
        "const NETMAP_REQ_IFNAMSIZ": UInt64(NETMAP_REQ_IFNAMSIZ),
        "const IFNAMSIZ": UInt64(NM_IFNAMSIZ),
        "const NM_CACHE_ALIGN": UInt64(NM_CACHE_ALIGN),
        "const NETMAP_MAX_FRAGS": UInt64(NETMAP_MAX_FRAGS),
        "const NIOCCTRL": UInt64(NIOCCTRL),
        "const NIOCTXSYNC": UInt64(NIOCTXSYNC),
        "const NIOCRXSYNC": UInt64(NIOCRXSYNC),
        "const NIOCGINFO": UInt64(NIOCGINFO),
        "const NIOCREGIF": UInt64(NIOCREGIF),
        "const NIOCCONFIG": UInt64(NIOCCONFIG),
        "const NETMAP_REQ_REGISTER": UInt64(NETMAP_REQ_REGISTER),
        "const NETMAP_REQ_PORT_INFO_GET": UInt64(NETMAP_REQ_PORT_INFO_GET),
        "const NETMAP_REQ_VALE_ATTACH": UInt64(NETMAP_REQ_VALE_ATTACH),
        "const NETMAP_REQ_VALE_DETACH": UInt64(NETMAP_REQ_VALE_DETACH),
        "const NETMAP_REQ_VALE_LIST": UInt64(NETMAP_REQ_VALE_LIST),
        "const NETMAP_REQ_PORT_HDR_SET": UInt64(NETMAP_REQ_PORT_HDR_SET),
        "const NETMAP_REQ_PORT_HDR_GET": UInt64(NETMAP_REQ_PORT_HDR_GET),
        "const NETMAP_REQ_VALE_NEWIF": UInt64(NETMAP_REQ_VALE_NEWIF),
        "const NETMAP_REQ_VALE_DELIF": UInt64(NETMAP_REQ_VALE_DELIF),
        "const NETMAP_REQ_VALE_POLLING_ENABLE": UInt64(NETMAP_REQ_VALE_POLLING_ENABLE),
        "const NETMAP_REQ_VALE_POLLING_DISABLE": UInt64(NETMAP_REQ_VALE_POLLING_DISABLE),
        "const NETMAP_REQ_POOLS_INFO_GET": UInt64(NETMAP_REQ_POOLS_INFO_GET),
        "const NETMAP_REQ_SYNC_KLOOP_START": UInt64(NETMAP_REQ_SYNC_KLOOP_START),
        "const NETMAP_REQ_SYNC_KLOOP_STOP": UInt64(NETMAP_REQ_SYNC_KLOOP_STOP),
        "const NETMAP_REQ_CSB_ENABLE": UInt64(NETMAP_REQ_CSB_ENABLE),
        "const NETMAP_REQ_OPT_EXTMEM": UInt64(NETMAP_REQ_OPT_EXTMEM),
        "const NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS": UInt64(NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS),
        "const NETMAP_REQ_OPT_CSB": UInt64(NETMAP_REQ_OPT_CSB),
        "const NETMAP_REQ_OPT_SYNC_KLOOP_MODE": UInt64(NETMAP_REQ_OPT_SYNC_KLOOP_MODE),
        "const NETMAP_REQ_OPT_OFFSETS": UInt64(NETMAP_REQ_OPT_OFFSETS),
        "const NETMAP_REQ_OPT_MAX": UInt64(NETMAP_REQ_OPT_MAX),
        "const NR_REG_DEFAULT": UInt64(NR_REG_DEFAULT),
        "const NR_REG_ALL_NIC": UInt64(NR_REG_ALL_NIC),
        "const NR_REG_SW": UInt64(NR_REG_SW),
        "const NR_REG_NIC_SW": UInt64(NR_REG_NIC_SW),
        "const NR_REG_ONE_NIC": UInt64(NR_REG_ONE_NIC),
        "const NR_REG_PIPE_MASTER": UInt64(NR_REG_PIPE_MASTER),
        "const NR_REG_PIPE_SLAVE": UInt64(NR_REG_PIPE_SLAVE),
        "const NR_REG_NULL": UInt64(NR_REG_NULL),
        "const NR_REG_ONE_SW": UInt64(NR_REG_ONE_SW),
        "const NR_REG_MASK": UInt64(NR_REG_MASK),
        "const NR_MONITOR_TX": UInt64(NR_MONITOR_TX),
        "const NR_MONITOR_RX": UInt64(NR_MONITOR_RX),
        "const NR_ZCOPY_MON": UInt64(NR_ZCOPY_MON),
        "const NR_EXCLUSIVE": UInt64(NR_EXCLUSIVE),
        "const NR_RX_RINGS_ONLY": UInt64(NR_RX_RINGS_ONLY),
        "const NR_TX_RINGS_ONLY": UInt64(NR_TX_RINGS_ONLY),
        "const NR_ACCEPT_VNET_HDR": UInt64(NR_ACCEPT_VNET_HDR),
        "const NR_DO_RX_POLL": UInt64(NR_DO_RX_POLL),
        "const NR_NO_TX_POLL": UInt64(NR_NO_TX_POLL),
        "const NR_TIMESTAMP": UInt64(NR_TIMESTAMP),
        "const NR_FORWARD": UInt64(NR_FORWARD),
        "const NI_PRIV_MEM": UInt64(NI_PRIV_MEM),
        "const NS_BUF_CHANGED": UInt64(NS_BUF_CHANGED),
        "const NS_REPORT": UInt64(NS_REPORT),
        "const NS_FORWARD": UInt64(NS_FORWARD),
        "const NS_NO_LEARN": UInt64(NS_NO_LEARN),
        "const NS_INDIRECT": UInt64(NS_INDIRECT),
        "const NS_MOREFRAG": UInt64(NS_MOREFRAG),
        "const NS_TXMON": UInt64(NS_TXMON),
        "const NS_PORT_SHIFT": UInt64(NS_PORT_SHIFT),
        "const NS_PORT_MASK": UInt64(NS_PORT_MASK),
        "const NETMAP_POLLING_MODE_SINGLE_CPU": UInt64(NETMAP_POLLING_MODE_SINGLE_CPU),
        "const NETMAP_POLLING_MODE_MULTI_CPU": UInt64(NETMAP_POLLING_MODE_MULTI_CPU),
        "const NM_OPT_SYNC_KLOOP_DIRECT_TX": UInt64(NM_OPT_SYNC_KLOOP_DIRECT_TX),
        "const NM_OPT_SYNC_KLOOP_DIRECT_RX": UInt64(NM_OPT_SYNC_KLOOP_DIRECT_RX),
        "const NETMAP_HW_RING": UInt64(NETMAP_HW_RING),
        "const NETMAP_SW_RING": UInt64(NETMAP_SW_RING),
        "const NETMAP_RING_MASK": UInt64(NETMAP_RING_MASK),
        "const NETMAP_NO_TX_POLL": UInt64(NETMAP_NO_TX_POLL),
        "const NETMAP_DO_RX_POLL": UInt64(NETMAP_DO_RX_POLL),
        "const NETMAP_BDG_ATTACH": UInt64(NETMAP_BDG_ATTACH),
        "const NETMAP_BDG_DETACH": UInt64(NETMAP_BDG_DETACH),
        "const NETMAP_BDG_REGOPS": UInt64(NETMAP_BDG_REGOPS),
        "const NETMAP_BDG_LIST": UInt64(NETMAP_BDG_LIST),
        "const NETMAP_BDG_VNET_HDR": UInt64(NETMAP_BDG_VNET_HDR),
        "const NETMAP_BDG_NEWIF": UInt64(NETMAP_BDG_NEWIF),
        "const NETMAP_BDG_DELIF": UInt64(NETMAP_BDG_DELIF),
        "const NETMAP_PT_HOST_CREATE": UInt64(NETMAP_PT_HOST_CREATE),
        "const NETMAP_PT_HOST_DELETE": UInt64(NETMAP_PT_HOST_DELETE),
        "const NETMAP_BDG_POLLING_ON": UInt64(NETMAP_BDG_POLLING_ON),
        "const NETMAP_BDG_POLLING_OFF": UInt64(NETMAP_BDG_POLLING_OFF),
        "const NETMAP_VNET_HDR_GET": UInt64(NETMAP_VNET_HDR_GET),
        "const NETMAP_BDG_HOST": UInt64(NETMAP_BDG_HOST),
        "kconst NM_BRIDGES": UInt64(NM_BRIDGES),
        "kconst NM_BDG_MAXPORTS": UInt64(NM_BDG_MAXPORTS),
        "kconst NM_BDG_HASH": UInt64(NM_BDG_HASH),
        "kconst NM_BDG_MFS_DEFAULT": UInt64(NM_BDG_MFS_DEFAULT),
        "kconst NM_BDG_BROADCAST": UInt64(NM_BDG_BROADCAST),
        "kconst NM_BDG_NOPORT": UInt64(NM_BDG_NOPORT),
        "kconst NM_BDG_IFNAMSIZ": UInt64(NM_BDG_IFNAMSIZ),
        "kconst NM_BDG_MAXRINGS": UInt64(NM_BDG_MAXRINGS),
        "kconst NM_BDG_MAXSLOTS": UInt64(NM_BDG_MAXSLOTS),
        "kconst NM_BRIDGE_RINGSIZE": UInt64(NM_BRIDGE_RINGSIZE),
        "kconst NM_BDG_BATCH": UInt64(NM_BDG_BATCH),
        "kconst NM_BDG_BATCH_MAX": UInt64(NM_BDG_BATCH_MAX),    ]

    /// NetmapKit's own Swift constants that restate a fact.
    static let swiftConstants: [String: [UInt64]] = {
        var table: [String: [UInt64]] = [
            "const NETMAP_API": [UInt64(Netmap.apiVersion)],
            "const NETMAP_MIN_API": [UInt64(Netmap.acceptedAPIVersions.lowerBound)],
            "const NETMAP_MAX_API": [UInt64(Netmap.acceptedAPIVersions.upperBound)],
            "const NETMAP_REQ_MAXSIZE": [UInt64(Netmap.requestMaxSize)],
            "const NETMAP_REQ_IFNAMSIZ": [UInt64(Netmap.requestNameSize)],
            "const IFNAMSIZ": [UInt64(Netmap.interfaceNameSize)],
            "const NIOCCTRL": [UInt64(Netmap.NIOCCTRL)],
            "const NIOCTXSYNC": [UInt64(Netmap.NIOCTXSYNC)],
            "const NIOCRXSYNC": [UInt64(Netmap.NIOCRXSYNC)],
            "kconst NM_BRIDGES": [UInt64(VALELimits.defaultMaxSwitches)],
            "guest netmap_max_bridges_param": [UInt64(VALELimits.defaultMaxSwitches)],
            "probe max_bridges_observed": [UInt64(VALELimits.defaultMaxSwitches)],
            "probe max_ports_per_bridge_observed": [UInt64(VALELimits.usablePorts)],
            "kconst NM_BDG_MAXPORTS": [UInt64(VALELimits.portSlots)],
            "kconst NM_BDG_NOPORT": [UInt64(Netmap.noPortIndex)],
            "kconst NM_BDG_IFNAMSIZ": [UInt64(Netmap.interfaceNameSize)],
            "sizeof struct_nmreq_header": [UInt64(Netmap.headerSize)],
            "const NR_MONITOR_TX": [RegisterFlags.monitorTX.rawValue],
            "const NR_MONITOR_RX": [RegisterFlags.monitorRX.rawValue],
            "const NR_ZCOPY_MON": [RegisterFlags.zeroCopyMonitor.rawValue],
            "const NR_EXCLUSIVE": [RegisterFlags.exclusive.rawValue],
            "const NR_RX_RINGS_ONLY": [RegisterFlags.rxRingsOnly.rawValue],
            "const NR_TX_RINGS_ONLY": [RegisterFlags.txRingsOnly.rawValue],
            "const NR_ACCEPT_VNET_HDR": [RegisterFlags.acceptVirtioHeader.rawValue],
            "const NR_DO_RX_POLL": [RegisterFlags.doRXPoll.rawValue],
            "const NR_NO_TX_POLL": [RegisterFlags.noTXPoll.rawValue],
            "const NS_BUF_CHANGED": [UInt64(SlotFlags.bufferChanged.rawValue)],
            "const NS_REPORT": [UInt64(SlotFlags.report.rawValue)],
            "const NS_FORWARD": [UInt64(SlotFlags.forward.rawValue)],
            "const NS_NO_LEARN": [UInt64(SlotFlags.noLearn.rawValue)],
            "const NS_INDIRECT": [UInt64(SlotFlags.indirect.rawValue)],
            "const NS_MOREFRAG": [UInt64(SlotFlags.moreFragments.rawValue)],
            "const NS_TXMON": [UInt64(SlotFlags.txMonitor.rawValue)],
            "const NETMAP_POLLING_MODE_SINGLE_CPU": [UInt64(PollingMode.singleCPU(cpu: 0).fields.mode)],
            "const NETMAP_POLLING_MODE_MULTI_CPU": [UInt64(PollingMode.multiCPU(first: 0, count: 1).fields.mode)],
        ]
        for type in NetmapRequestType.allCases {
            table["const \(type.cName)", default: []].append(UInt64(type.rawValue))
        }
        let modes: [(String, RegisterMode)] = [
            ("NR_REG_DEFAULT", .legacyDefault), ("NR_REG_ALL_NIC", .allNIC), ("NR_REG_SW", .hostRings),
            ("NR_REG_NIC_SW", .nicAndHost), ("NR_REG_ONE_NIC", .oneNIC), ("NR_REG_PIPE_MASTER", .pipeMaster),
            ("NR_REG_PIPE_SLAVE", .pipeSlave), ("NR_REG_NULL", .null), ("NR_REG_ONE_SW", .oneHost),
        ]
        for (name, mode) in modes { table["const \(name)", default: []].append(UInt64(mode.rawValue)) }
        // Body sizes NetmapKit sends must equal the struct sizes of the facts.
        let bodies: [(String, NetmapRequestType)] = [
            ("struct_nmreq_register", .register), ("struct_nmreq_port_info_get", .portInfoGet),
            ("struct_nmreq_vale_attach", .valeAttach), ("struct_nmreq_vale_detach", .valeDetach),
            ("struct_nmreq_vale_list", .valeList), ("struct_nmreq_port_hdr", .portHeaderSet),
            ("struct_nmreq_vale_newif", .valeNewInterface), ("struct_nmreq_vale_polling", .valePollingEnable),
            ("struct_nmreq_pools_info", .poolsInfoGet), ("struct_nmreq_sync_kloop_start", .syncKloopStart),
        ]
        for (name, type) in bodies { table["sizeof \(name)", default: []].append(UInt64(type.bodySize)) }
        return table
    }()

    @Test func factsFileIsReadAndComplete() throws {
        let facts = try ABIFacts.load()
        #expect(facts.count > 250, "abi-facts.txt at \(ABIFacts.url.path) has only \(facts.count) numeric lines")
    }

    @Test func everyLayoutFactMatchesOurDeclarations() throws {
        let facts = try ABIFacts.load().filter { ["sizeof", "alignof", "offsetof"].contains($0.kind) }
        #expect(facts.count >= 150)
        for fact in facts {
            guard let declared = Self.layout[fact.key] else {
                Issue.record("no declaration checked for \(fact.key)")
                continue
            }
            #expect(declared.map(Int64.init) == fact.value, "\(fact.key): facts say \(fact.value), our declaration gives \(String(describing: declared))")
        }
    }

    @Test func everyConstantMatchesOurDeclarations() throws {
        let facts = try ABIFacts.load().filter { $0.kind == "const" || $0.kind == "kconst" }
        #expect(facts.count >= 90)
        for fact in facts {
            guard let declared = Self.constants[fact.key] else {
                Issue.record("no declaration checked for \(fact.key)")
                continue
            }
            #expect(declared == UInt64(fact.value), "\(fact.key): facts say \(fact.value), netmap_abi.h says \(declared)")
        }
    }

    @Test func swiftLevelConstantsMatchTheFacts() throws {
        let facts = Dictionary(try ABIFacts.load().map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        for (key, values) in Self.swiftConstants {
            let fact = try #require(facts[key], "abi-facts.txt has no \(key)")
            for value in values {
                #expect(value == UInt64(fact), "\(key): facts say \(fact), NetmapKit uses \(value)")
            }
        }
    }

    @Test func changingAFactIsDetected() throws {
        // The comparison itself must be sensitive: a shifted number never matches.
        let fact = try #require(try ABIFacts.load().first { $0.key == "offsetof struct_nmreq_header.nr_body" })
        let declared = try #require(Self.layout[fact.key] ?? nil)
        #expect(Int64(declared) == fact.value)
        #expect(Int64(declared) != fact.value + 1)
    }
}
