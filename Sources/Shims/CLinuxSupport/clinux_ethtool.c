#include "clinux_ethtool.h"
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

static void copy_field(char *to, size_t to_len, const char *from, size_t from_len) {
    if (to == NULL || to_len == 0) return;
    size_t n = strnlen(from, from_len);
    if (n >= to_len) n = to_len - 1;
    memcpy(to, from, n);
    to[n] = '\0';
}

int clinux_ethtool_drvinfo(int fd, const char *ifname,
                           char *driver, size_t driver_len,
                           char *version, size_t version_len,
                           char *firmware, size_t firmware_len,
                           char *bus, size_t bus_len) {
    struct ethtool_drvinfo info;
    struct ifreq ifr;
    if (strlen(ifname) >= IFNAMSIZ) { errno = ENODEV; return -1; }
    memset(&info, 0, sizeof(info));
    memset(&ifr, 0, sizeof(ifr));
    info.cmd = ETHTOOL_GDRVINFO;
    strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
    ifr.ifr_data = (char *)&info;
    if (ioctl(fd, SIOCETHTOOL, &ifr) < 0) return -1;
    copy_field(driver, driver_len, info.driver, sizeof(info.driver));
    copy_field(version, version_len, info.version, sizeof(info.version));
    copy_field(firmware, firmware_len, info.fw_version, sizeof(info.fw_version));
    copy_field(bus, bus_len, info.bus_info, sizeof(info.bus_info));
    return 0;
}
