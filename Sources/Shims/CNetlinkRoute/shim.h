#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/rtnl.h>
