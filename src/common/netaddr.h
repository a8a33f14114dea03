/*
 * netaddr.h - where a server listens: an IP address as text (IPv4 or
 * IPv6, no name to resolve) and a port made a socket address, for the
 * hub's listeners and the simulators of tools/ alike.
 */
#ifndef CA_NETADDR_H
#define CA_NETADDR_H

#include <sys/socket.h>

/* ip and port into *ss (zeroed first): AF_INET or AF_INET6, or -1 when
 * ip is neither address. */
int netaddr_listen(const char *ip, int port, struct sockaddr_storage *ss);

#endif
