import Foundation
import NetmapKit
import Testing
import VALEKernelModel

/// The probes at the end of abi-facts.txt (run against a real module) replayed
/// on the model: each probe's recorded errno must be what the model returns.
@Suite struct KernelModelProbeTests {
    /// Runs one probe scenario on a fresh model; returns the errno (0 = success).
    static func run(_ probe: String) throws -> Int64? {
        let model = VALEKernelModel(nics: (0..<300).map { "n\($0)" } + ["eth0"])
        let control = try NetmapControl(systemCalls: model)
        func errno(_ body: () throws -> Void) -> Int64 {
            do { try body(); return 0 } catch let error as NetmapError { return Int64(error.errno?.rawValue ?? -1) } catch { return -1 }
        }
        if probe.hasPrefix("newif_name_len_") {
            let length = Int(probe.split(separator: "_")[3])!
            let result = errno { _ = try control.newInterface(String(repeating: "x", count: length)) }
            return probe.hasSuffix("_ok") ? (result == 0 ? 1 : 0) : result
        }
        if probe.hasPrefix("attach_bridge_name_len_") {
            let length = Int(probe.split(separator: "_")[4])!
            return errno { _ = try control.attach("vale" + String(repeating: "0", count: length - 4) + ":eth0") }
        }
        switch probe {
        case "maxbridges_attach_vale8_errno", "max_bridges_observed":
            var attached: Int64 = 0
            for i in 0..<8 where errno({ _ = try control.attach("vale\(i):n\(i)") }) == 0 { attached += 1 }
            let ninth = errno { _ = try control.attach("vale8:n8") }
            return probe == "max_bridges_observed" ? attached : ninth
        case "maxports_attach_m252_errno", "max_ports_per_bridge_observed":
            var attached: Int64 = 0
            for i in 0..<252 where errno({ _ = try control.attach("vale0:n\(i)") }) == 0 { attached += 1 }
            let next = errno { _ = try control.attach("vale0:n252") }
            return probe == "max_ports_per_bridge_observed" ? attached : next
        case "detach_nonexistent_errno": return errno { _ = try control.detach("vale0:nothere") }
        case "delif_nonexistent_errno": return errno { try control.deleteInterface("nothere") }
        case "attach_nonexistent_nic_errno": return errno { _ = try control.attach("vale0:nothere") }
        case "attach_without_vale_prefix_errno": return errno { _ = try control.attach("eth0") }
        case "newif_duplicate_errno":
            _ = try control.newInterface("vi0")
            return errno { _ = try control.newInterface("vi0") }
        case "attach_twice_same_bridge_errno":
            _ = try control.newInterface("vi0")
            _ = try control.attach("vale0:vi0")
            return errno { _ = try control.attach("vale0:vi0") }
        case "delif_while_attached_errno":
            _ = try control.newInterface("vi0")
            _ = try control.attach("vale0:vi0")
            return errno { try control.deleteInterface("vi0") }
        case "detach_ok_errno", "detach_again_errno", "delif_ok_errno":
            _ = try control.newInterface("vi0")
            _ = try control.attach("vale0:vi0")
            let detach = errno { _ = try control.detach("vale0:vi0") }
            let again = errno { _ = try control.detach("vale0:vi0") }
            let delif = errno { try control.deleteInterface("vi0") }
            return ["detach_ok_errno": detach, "detach_again_errno": again, "delif_ok_errno": delif][probe]
        case "list_empty_errno":
            return errno { _ = try control.perform(.list("")) }
        case "wrong_api_version_errno":
            // NetmapKit never sends another version; replay the raw request on the model.
            let fd = try model.open("/dev/netmap", flags: 0)
            let request = try NetmapControlRequest.list("")
            var header = request.headerBytes(bodyAddress: 0)
            header[0] = 13
            var body = request.body
            let result: Int64 = body.withUnsafeMutableBytes { bodyPointer in
                let address = UInt64(UInt(bitPattern: bodyPointer.baseAddress!))
                for i in 0..<8 { header[80 + i] = UInt8(truncatingIfNeeded: address >> (8 * UInt64(i))) }
                return header.withUnsafeMutableBytes { headerPointer in
                    do throws(Errno) { _ = try model.ioctl(fd, request: Netmap.NIOCCTRL, argument: headerPointer.baseAddress); return 0 } catch { return Int64(error.rawValue) }
                }
            }
            return result
        default:
            return nil
        }
    }

    @Test func everyProbeIsReproduced() throws {
        let probes = try ABIFacts.probes()
        #expect(probes.count >= 40)
        for (probe, expected) in probes.sorted(by: { $0.key < $1.key }) {
            guard let got = try Self.run(probe) else {
                Issue.record("probe \(probe) has no scenario in the model tests")
                continue
            }
            #expect(got == expected, "probe \(probe): module gave \(expected), model gives \(got)")
        }
    }
}
