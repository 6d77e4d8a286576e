/* Load generator for bench_echo.py: closed-loop echo clients on epoll.
 *
 * Compiled by bench_echo.py with gcc into a temporary directory at bench time and pinned
 * (taskset) to another core than the server, so it does not steal the server's CPU.
 *
 *   loadgen echo  HOST PORT CONNS SIZE FRAMING WARMUP_MS DURATION_MS
 *       CONNS connections, each: send one SIZE-byte message, wait for its whole echo,
 *       repeat. FRAMING 0 sends raw bytes, 2 a 2-byte big-endian length header first
 *       ({packet, 2}). Round trips finished inside the window after the warm-up count.
 *   loadgen churn HOST PORT SLOTS SIZE FRAMING WARMUP_MS DURATION_MS
 *       SLOTS concurrent loops of: connect, one echo, close.
 *   loadgen idle  HOST PORT CONNS
 *       Open CONNS connections, one 1-byte echo on each (so the server has accepted and
 *       served it), print "ready", hold them until stdin closes or gives a line.
 *   loadgen flood HOST PORT DURATION_MS
 *       One connection; write 64 KiB chunks flat out; print the bytes the kernel took
 *       in each 1 s interval.
 *
 * Prints one line of key=value results ("rate" in operations per second).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { ST_CONNECTING, ST_SENDING, ST_RECEIVING };

typedef struct {
    int fd;
    int state;
    size_t sent;
    size_t got;
} conn_t;

static struct sockaddr_in addr;
static char *msg;        /* the message as sent, header included */
static size_t msg_len;   /* bytes sent = bytes expected back */
static char scratch[1 << 20];
static int ep;
static long errors;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

static void raise_nofile(void) {
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        setrlimit(RLIMIT_NOFILE, &r);
    }
}

static void make_msg(size_t size, int framing) {
    msg_len = size + (framing == 2 ? 2 : 0);
    msg = malloc(msg_len);
    if (!msg) die("malloc");
    size_t off = 0;
    if (framing == 2) {
        msg[0] = (char)((size >> 8) & 0xff);
        msg[1] = (char)(size & 0xff);
        off = 2;
    }
    for (size_t i = 0; i < size; i++) msg[off + i] = (char)('a' + i % 26);
}

static int new_socket(int nonblock) {
    int fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void ep_set(conn_t *c, uint32_t events, int op) {
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(ep, op, c->fd, &ev) < 0) die("epoll_ctl");
}

/* Start (or restart, for churn) a connection: non-blocking connect. */
static void start_connect(conn_t *c) {
    c->fd = new_socket(1);
    c->sent = c->got = 0;
    int r = connect(c->fd, (struct sockaddr *)&addr, sizeof addr);
    if (r < 0 && errno != EINPROGRESS) die("connect");
    c->state = ST_CONNECTING;
    ep_set(c, EPOLLOUT, EPOLL_CTL_ADD);
}

/* Write as much of the message as the socket takes; 1 when all of it is out. */
static int pump_send(conn_t *c) {
    while (c->sent < msg_len) {
        ssize_t n = send(c->fd, msg + c->sent, msg_len - c->sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) return 0;
            return -1;
        }
        c->sent += (size_t)n;
    }
    return 1;
}

/* Read what is there of the echo; 1 when all of it came back, -1 on error or EOF. */
static int pump_recv(conn_t *c) {
    while (c->got < msg_len) {
        size_t want = msg_len - c->got;
        if (want > sizeof scratch) want = sizeof scratch;
        ssize_t n = recv(c->fd, scratch, want, 0);
        if (n == 0) return -1;
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) return 0;
            return -1;
        }
        c->got += (size_t)n;
    }
    return 1;
}

/* Begin a round trip: send; wait for writability only if the socket was full. */
static int begin_round(conn_t *c) {
    c->sent = c->got = 0;
    int r = pump_send(c);
    if (r < 0) return -1;
    c->state = r ? ST_RECEIVING : ST_SENDING;
    ep_set(c, r ? EPOLLIN : EPOLLOUT, EPOLL_CTL_MOD);
    return 0;
}

static int run_loop(conn_t *conns, int n, int churn, double warmup, double duration) {
    struct epoll_event evs[1024];
    double t0 = now(), start = t0 + warmup, end = start + duration;
    long count = 0;
    double t = t0;
    (void)conns;
    (void)n;
    while (t < end) {
        int k = epoll_wait(ep, evs, 1024, 10);
        if (k < 0 && errno != EINTR) die("epoll_wait");
        t = now();
        for (int i = 0; i < k; i++) {
            conn_t *c = evs[i].data.ptr;
            int fail = (evs[i].events & (EPOLLERR)) != 0;
            if (!fail && c->state == ST_CONNECTING) {
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err) fail = 1;
                else if (begin_round(c) < 0) fail = 1;
                if (!fail) continue;
            }
            if (!fail && c->state == ST_SENDING) {
                int r = pump_send(c);
                if (r < 0) fail = 1;
                else if (r) {
                    c->state = ST_RECEIVING;
                    ep_set(c, EPOLLIN, EPOLL_CTL_MOD);
                }
                if (!fail) continue;
            }
            if (!fail && c->state == ST_RECEIVING) {
                int r = pump_recv(c);
                if (r < 0) fail = 1;
                else if (r) {
                    if (t >= start && t < end) count++;
                    if (churn) {
                        close(c->fd);
                        start_connect(c);
                    } else if (begin_round(c) < 0) {
                        fail = 1;
                    }
                }
            }
            if (fail) {
                errors++;
                if (!churn) {
                    fprintf(stderr, "loadgen: connection failed: %s\n", strerror(errno));
                    exit(1);
                }
                close(c->fd);
                start_connect(c);
            }
        }
    }
    printf("rate=%.1f count=%ld errors=%ld seconds=%.3f\n", count / duration, count, errors,
           duration);
    return 0;
}

/* Blocking connect, then set non-blocking. */
static int connect_blocking(void) {
    for (int attempt = 0; attempt < 50; attempt++) {
        int fd = new_socket(0);
        if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
            return fd;
        }
        close(fd);
        usleep(20000);
    }
    die("connect");
    return -1;
}

static int cmd_echo(int conns_n, size_t size, int framing, double warmup, double duration) {
    make_msg(size, framing);
    conn_t *conns = calloc((size_t)conns_n, sizeof *conns);
    for (int i = 0; i < conns_n; i++) {
        conns[i].fd = connect_blocking();
        conns[i].state = ST_RECEIVING;
        ep_set(&conns[i], EPOLLIN, EPOLL_CTL_ADD);
    }
    for (int i = 0; i < conns_n; i++)
        if (begin_round(&conns[i]) < 0) die("send");
    return run_loop(conns, conns_n, 0, warmup, duration);
}

static int cmd_churn(int slots, size_t size, int framing, double warmup, double duration) {
    make_msg(size, framing);
    conn_t *conns = calloc((size_t)slots, sizeof *conns);
    for (int i = 0; i < slots; i++) start_connect(&conns[i]);
    return run_loop(conns, slots, 1, warmup, duration);
}

static int cmd_idle(int conns_n) {
    int *fds = calloc((size_t)conns_n, sizeof *fds);
    char b = 'x';
    for (int i = 0; i < conns_n; i++) {
        int fd = connect_blocking();
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        if (send(fd, &b, 1, MSG_NOSIGNAL) != 1) die("send");
        if (recv(fd, &b, 1, 0) != 1) die("recv");
        fds[i] = fd;
    }
    printf("ready %d\n", conns_n);
    fflush(stdout);
    char line[64];
    if (!fgets(line, sizeof line, stdin)) { /* stdin closed */
    }
    for (int i = 0; i < conns_n; i++) close(fds[i]);
    printf("closed %d\n", conns_n);
    return 0;
}

static int cmd_flood(double duration) {
    int fd = connect_blocking();
    static char chunk[65536];
    memset(chunk, 'f', sizeof chunk);
    conn_t c = {.fd = fd};
    ep_set(&c, EPOLLOUT, EPOLL_CTL_ADD);
    double t0 = now(), next = t0 + 1.0, end = t0 + duration;
    long long total = 0, interval = 0;
    printf("sent_per_s=");
    struct epoll_event ev;
    while (now() < end) {
        int k = epoll_wait(ep, &ev, 1, 10);
        if (k > 0) {
            for (;;) {
                ssize_t n = send(fd, chunk, sizeof chunk, MSG_NOSIGNAL);
                if (n < 0) {
                    if (errno == EAGAIN || errno == EINTR) break;
                    die("send");
                }
                total += n;
                interval += n;
            }
        }
        if (now() >= next) {
            printf("%lld,", interval);
            interval = 0;
            next += 1.0;
        }
    }
    printf(" total=%lld\n", total);
    close(fd);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: loadgen echo|churn|idle|flood HOST PORT ...\n");
        return 2;
    }
    raise_nofile();
    setvbuf(stdout, NULL, _IOLBF, 0);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)atoi(argv[3]));
    if (inet_pton(AF_INET, argv[2], &addr.sin_addr) != 1) die("inet_pton");
    ep = epoll_create1(0);
    if (ep < 0) die("epoll_create1");
    const char *cmd = argv[1];
    if ((!strcmp(cmd, "echo") || !strcmp(cmd, "churn")) && argc == 9) {
        int n = atoi(argv[4]);
        size_t size = (size_t)atol(argv[5]);
        int framing = atoi(argv[6]);
        if (framing == 2 && size > 65535) {
            fprintf(stderr, "loadgen: {packet, 2} takes at most 65535 bytes\n");
            return 2;
        }
        double warmup = atof(argv[7]) / 1000.0, duration = atof(argv[8]) / 1000.0;
        return cmd[0] == 'e' ? cmd_echo(n, size, framing, warmup, duration)
                             : cmd_churn(n, size, framing, warmup, duration);
    }
    if (!strcmp(cmd, "idle") && argc == 5) return cmd_idle(atoi(argv[4]));
    if (!strcmp(cmd, "flood") && argc == 5) return cmd_flood(atof(argv[4]) / 1000.0);
    fprintf(stderr, "loadgen: bad arguments\n");
    return 2;
}
