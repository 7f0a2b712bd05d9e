// LD_PRELOAD shim for flexport-sim in bench/proxy: sets TCP_NODELAY on every accepted
// socket. flexport-sim (cpp-httplib) writes the response head and body in separate
// writes without TCP_NODELAY, so Nagle + the client's delayed ACK add ~40 ms to every
// small response, which would hide everything this benchmark measures. Real API servers
// (and the agent's own listeners) set TCP_NODELAY. Build: cc -shared -fPIC -o x.so this.c -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static void NoDelay(int fd) {
  if (fd >= 0) {
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));  // fails harmlessly on non-TCP
  }
}

int accept(int fd, struct sockaddr* addr, socklen_t* len) {
  static int (*real)(int, struct sockaddr*, socklen_t*);
  if (!real) real = (int (*)(int, struct sockaddr*, socklen_t*))dlsym(RTLD_NEXT, "accept");
  int s = real(fd, addr, len);
  NoDelay(s);
  return s;
}

int accept4(int fd, struct sockaddr* addr, socklen_t* len, int flags) {
  static int (*real)(int, struct sockaddr*, socklen_t*, int);
  if (!real) real = (int (*)(int, struct sockaddr*, socklen_t*, int))dlsym(RTLD_NEXT, "accept4");
  int s = real(fd, addr, len, flags);
  NoDelay(s);
  return s;
}
