#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/route/link/geneve.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/rtnl.h>
