/*
 * faultproxy.c - a small HTTP fault-injection proxy for the sync tests.
 *
 * It listens on a loopback port, terminates TLS there with a certificate it
 * is given (the test's throw-away server certificate, so the kiosk's CA
 * check and host-name check pass as they would against the hub), forwards
 * each request to the hub (over TLS with --upstream-tls) and, depending on
 * the connection's mode, hands the hub's answer back or spoils it:
 *
 *   pass      the hub's answer, unchanged
 *   500       the request reaches the hub; the kiosk gets 500 instead
 *   503       ... 503 with Retry-After (--retry-after, default 2 s)
 *   429       ... 429 with Retry-After
 *   garbage   ... 200 with a body that is not JSON
 *   truncate  ... the hub's headers and half its body, then the connection
 *             closes (Content-Length promises more)
 *   slow      ... the hub's answer at 1 byte per --drip-ms (default 1000)
 *   close     ... the connection closes without an answer
 *   drop      the connection closes at once; the hub sees nothing
 *
 * Forwarding first is deliberate: the hub has applied the records when the
 * kiosk sees the failure, so a retry must be de-duplicated by its
 * idempotency key, the case that matters most.
 *
 * The mode of a connection is, in this order: the first word of the
 * --control file when it exists and is not empty (tests rewrite it at run
 * time), else the next entry of --schedule (one per accepted connection),
 * else --mode (default pass). Terminating TLS (rather than splicing bytes)
 * is what makes the HTTP-level faults possible; the TCP-level ones (close,
 * drip, truncate) work the same way on top of it.
 *
 * One child process per connection (long-polls do not block others); one
 * request per connection ("Connection: close" is added upstream). The port
 * is printed on stdout as "faultproxy listening on 127.0.0.1:PORT".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define REQ_MAX  (2 * 1024 * 1024)
#define RESP_MAX (16 * 1024 * 1024)
#define SCHED_MAX 256

/* One side of a connection: a socket, with TLS or without. */
struct conn {
	int fd;   /* the socket */
	SSL *ssl; /* TLS over it, or NULL */
};

static int conn_read(struct conn *c, char *buf, size_t n)
{
	if (c->ssl) {
		int r = SSL_read(c->ssl, buf, (int)n);

		return r > 0 ? r : 0;
	}
	for (;;) {
		ssize_t r = read(c->fd, buf, n);

		if (r < 0 && errno == EINTR)
			continue;
		return r > 0 ? (int)r : 0;
	}
}

static bool conn_write(struct conn *c, const char *buf, size_t n)
{
	while (n > 0) {
		int w;

		if (c->ssl) {
			w = SSL_write(c->ssl, buf, (int)n);
		} else {
			ssize_t r = write(c->fd, buf, n);

			if (r < 0 && errno == EINTR)
				continue;
			w = (int)r;
		}
		if (w <= 0)
			return false;
		buf += w;
		n -= (size_t)w;
	}
	return true;
}

static void conn_close(struct conn *c)
{
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Options. */
static const char *upstream_host = "127.0.0.1";
static int upstream_port;
static bool upstream_tls;
static int retry_after = 2;
static int drip_ms = 1000;
static const char *control_file;
static const char *default_mode = "pass";
static char *schedule[SCHED_MAX];
static int nschedule;

/* The mode for connection number idx (0-based), into out. */
static void pick_mode(int idx, char *out, size_t n)
{
	FILE *f = control_file ? fopen(control_file, "r") : NULL;
	char line[64];

	if (f) {
		if (fgets(line, sizeof(line), f) && sscanf(line, "%31s", out) == 1) {
			fclose(f);
			return;
		}
		fclose(f);
	}
	snprintf(out, n, "%s", idx < nschedule ? schedule[idx] : default_mode);
}

/* Find the end of the header block in buf (len bytes); 0 when not yet. */
static size_t header_end(const char *buf, size_t len)
{
	const char *p = memmem(buf, len, "\r\n\r\n", 4);

	return p ? (size_t)(p - buf) + 4 : 0;
}

/* Content-Length of the header block, -1 when absent. */
static long content_length(const char *hdr, size_t len)
{
	const char *p = hdr, *end = hdr + len;

	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);

		if (!eol)
			break;
		if ((size_t)(eol - p) > 15 && strncasecmp(p, "Content-Length:", 15) == 0)
			return strtol(p + 15, NULL, 10);
		p = eol + 2;
	}
	return -1;
}

/* Read one request (headers and Content-Length body) into *buf. */
static bool read_request(struct conn *c, char **buf, size_t *len)
{
	size_t cap = 65536, used = 0, he = 0;
	char *b = malloc(cap);
	long cl = -1;
	int r;

	if (!b)
		return false;
	for (;;) {
		if (!he && (he = header_end(b, used)))
			cl = content_length(b, he);
		if (he && used >= he + (size_t)(cl > 0 ? cl : 0))
			break;
		if (used == cap) {
			char *nb;

			if (cap >= REQ_MAX)
				goto fail;
			nb = realloc(b, cap * 2);
			if (!nb)
				goto fail;
			b = nb;
			cap *= 2;
		}
		r = conn_read(c, b + used, cap - used);
		if (r <= 0)
			goto fail;
		used += (size_t)r;
	}
	*buf = b;
	*len = used;
	return true;
fail:
	free(b);
	return false;
}

/* Connect to the hub. */
static bool upstream_connect(SSL_CTX *ctx, struct conn *u)
{
	struct sockaddr_in a;

	u->ssl = NULL;
	u->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (u->fd < 0)
		return false;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)upstream_port);
	if (inet_pton(AF_INET, upstream_host, &a.sin_addr) != 1 ||
	    connect(u->fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		return false;
	if (!upstream_tls)
		return true;
	u->ssl = SSL_new(ctx);
	if (!u->ssl)
		return false;
	SSL_set_fd(u->ssl, u->fd);
	return SSL_connect(u->ssl) == 1;
}

/* Send an injected answer with status line st, extra headers and body. */
static void answer(struct conn *c, const char *st, const char *extra,
		   const char *body)
{
	char hdr[512], date[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	snprintf(hdr, sizeof(hdr),
		 "HTTP/1.1 %s\r\nDate: %s\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n%s\r\n",
		 st, date, strlen(body), extra);
	if (conn_write(c, hdr, strlen(hdr)))
		conn_write(c, body, strlen(body));
}

/* Serve one accepted connection in mode m (child process). */
static void serve(SSL_CTX *sctx, SSL_CTX *cctx, int fd, const char *m)
{
	struct conn k = { fd, NULL }, u = { -1, NULL };
	char *req = NULL, *resp = NULL, ra[64];
	size_t rlen = 0, used = 0, cap = 0, he, i;
	const char *eol;

	alarm(120); /* no child outlives a stuck peer */
	if (sctx) {
		k.ssl = SSL_new(sctx);
		if (!k.ssl)
			goto out;
		SSL_set_fd(k.ssl, fd);
		if (SSL_accept(k.ssl) != 1)
			goto out;
	}
	if (strcmp(m, "drop") == 0)
		goto out;
	if (!read_request(&k, &req, &rlen))
		goto out;
	/* Forward with "Connection: close" after the request line. */
	eol = memmem(req, rlen, "\r\n", 2);
	if (!eol || !upstream_connect(cctx, &u))
		goto out;
	if (!conn_write(&u, req, (size_t)(eol - req) + 2) ||
	    !conn_write(&u, "Connection: close\r\n", 19) ||
	    !conn_write(&u, eol + 2, rlen - (size_t)(eol - req) - 2))
		goto out;
	for (;;) {
		int r;

		if (used == cap) {
			char *nb;

			if (cap >= RESP_MAX)
				break;
			cap = cap ? cap * 2 : 65536;
			nb = realloc(resp, cap);
			if (!nb)
				goto out;
			resp = nb;
		}
		r = conn_read(&u, resp + used, cap - used);
		if (r <= 0)
			break;
		used += (size_t)r;
	}
	conn_close(&u);

	snprintf(ra, sizeof(ra), "Retry-After: %d\r\n", retry_after);
	if (strcmp(m, "500") == 0) {
		answer(&k, "500 Internal Server Error", "",
		       "{\"error\":{\"code\":\"internal\",\"message\":\"injected\"}}");
	} else if (strcmp(m, "503") == 0) {
		answer(&k, "503 Service Unavailable", ra,
		       "{\"error\":{\"code\":\"unavailable\",\"message\":\"injected\"}}");
	} else if (strcmp(m, "429") == 0) {
		answer(&k, "429 Too Many Requests", ra,
		       "{\"error\":{\"code\":\"rate_limited\",\"message\":\"injected\"}}");
	} else if (strcmp(m, "garbage") == 0) {
		answer(&k, "200 OK", "", "{\"results\": [{\"key\": tru");
	} else if (strcmp(m, "truncate") == 0) {
		he = header_end(resp ? resp : "", used);
		if (he)
			conn_write(&k, resp, he + (used - he) / 2);
	} else if (strcmp(m, "slow") == 0) {
		for (i = 0; i < used; i++) {
			if (!conn_write(&k, resp + i, 1))
				break;
			usleep((useconds_t)drip_ms * 1000);
		}
	} else if (strcmp(m, "close") == 0) {
		/* nothing: the hub has it, the kiosk hears nothing */
	} else { /* pass, and anything unknown */
		conn_write(&k, resp ? resp : "", used);
	}
out:
	free(req);
	free(resp);
	conn_close(&u);
	conn_close(&k);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: faultproxy --upstream-port N [--upstream-host IP] [--upstream-tls]\n"
		"                  [--port N] [--cert PEM --key PEM] [--mode M]\n"
		"                  [--schedule M1,M2,...] [--control FILE]\n"
		"                  [--retry-after S] [--drip-ms N]\n"
		"modes: pass 500 503 429 garbage truncate slow close drop\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "upstream-host", required_argument, NULL, 'H' },
		{ "upstream-port", required_argument, NULL, 'P' },
		{ "upstream-tls", no_argument, NULL, 'T' },
		{ "port", required_argument, NULL, 'p' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "mode", required_argument, NULL, 'm' },
		{ "schedule", required_argument, NULL, 's' },
		{ "control", required_argument, NULL, 'f' },
		{ "retry-after", required_argument, NULL, 'r' },
		{ "drip-ms", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cert = NULL, *key = NULL;
	SSL_CTX *sctx = NULL, *cctx = NULL;
	struct sockaddr_in a;
	struct sigaction sa;
	socklen_t alen = sizeof(a);
	char mode[32], *tok, *save = NULL;
	int opt, port = 0, lfd, fd, one = 1, idx = 0;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'H': upstream_host = optarg; break;
		case 'P': upstream_port = atoi(optarg); break;
		case 'T': upstream_tls = true; break;
		case 'p': port = atoi(optarg); break;
		case 'c': cert = optarg; break;
		case 'k': key = optarg; break;
		case 'm': default_mode = optarg; break;
		case 's':
			for (tok = strtok_r(optarg, ",", &save); tok && nschedule < SCHED_MAX;
			     tok = strtok_r(NULL, ",", &save))
				schedule[nschedule++] = tok;
			break;
		case 'f': control_file = optarg; break;
		case 'r': retry_after = atoi(optarg); break;
		case 'd': drip_ms = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (upstream_port <= 0 || (!cert) != (!key)) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = SA_NOCLDWAIT; /* children reap themselves */
	sigaction(SIGCHLD, &sa, NULL);
	if (cert) {
		sctx = SSL_CTX_new(TLS_server_method());
		if (!sctx || SSL_CTX_use_certificate_chain_file(sctx, cert) != 1 ||
		    SSL_CTX_use_PrivateKey_file(sctx, key, SSL_FILETYPE_PEM) != 1) {
			fprintf(stderr, "faultproxy: cannot load %s / %s\n", cert, key);
			ERR_print_errors_fp(stderr);
			return 1;
		}
	}
	cctx = SSL_CTX_new(TLS_client_method());
	if (!cctx)
		return 1;
	SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, NULL); /* the test's own hub */

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(lfd, 64) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) != 0) {
		perror("faultproxy: listen");
		return 1;
	}
	printf("faultproxy listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
	fflush(stdout);
	for (;;) {
		pid_t pid;

		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror("faultproxy: accept");
			return 1;
		}
		pick_mode(idx++, mode, sizeof(mode));
		fprintf(stderr, "faultproxy: connection %d: %s\n", idx, mode);
		pid = fork();
		if (pid == 0) {
			close(lfd);
			serve(sctx, cctx, fd, mode);
			_exit(0);
		}
		close(fd);
	}
}
