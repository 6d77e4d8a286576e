/* ports._sendfd: a send on a non-blocking socket that keeps the GIL.
 *
 * socket.socket.send releases and takes back the GIL around the system call, as it must
 * for a socket that may block; a port's socket never blocks (the event loop made it
 * non-blocking, and MSG_DONTWAIT says so again), so that costs a mutex round trip and
 * about a thousand instructions per send for nothing (measured on the 64-byte echo of
 * bench_echo_targets: server CPU per round trip 10.3 -> 7.8 us). uvloop's own writes keep
 * the GIL the same way. Built with the compiled build (mypyc_build.py); pure Python uses
 * socket.send. The results and errors are socket.send's and socket.sendmsg's: the
 * number of bytes the kernel took, or OSError with the errno (BlockingIOError for
 * EAGAIN, ConnectionResetError, BrokenPipeError...).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define MAX_PARTS 8
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

static int
fd_of(PyObject *arg, int *fd)
{
    long v = PyLong_AsLong(arg);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (v < 0 || v > 0x7fffffffL) {  /* a closed socket's fileno() is -1: as send(2) */
        errno = EBADF;
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    *fd = (int)v;
    return 0;
}

static PyObject *
send_result(ssize_t n)
{
    if (n < 0)
        return PyErr_SetFromErrno(PyExc_OSError);
    return PyLong_FromSsize_t(n);
}

/* send(fd, data) -> int */
static PyObject *
sendfd_send(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int fd;
    ssize_t n;
    Py_buffer view;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "send(fd, data) takes 2 arguments");
        return NULL;
    }
    if (fd_of(args[0], &fd) < 0)
        return NULL;
    if (PyBytes_CheckExact(args[1])) {
        const char *buf = PyBytes_AS_STRING(args[1]);
        Py_ssize_t len = PyBytes_GET_SIZE(args[1]);
        do {
            n = send(fd, buf, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL);
        } while (n < 0 && errno == EINTR);
        return send_result(n);
    }
    if (PyObject_GetBuffer(args[1], &view, PyBUF_SIMPLE) < 0)
        return NULL;
    do {
        n = send(fd, view.buf, (size_t)view.len, MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    PyBuffer_Release(&view);
    return send_result(n);
}

/* sendv(fd, parts) -> int: parts a list or tuple of at most MAX_PARTS buffers, sent
 * with one sendmsg (a packet's header and body). */
static PyObject *
sendfd_sendv(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int fd;
    ssize_t n;
    Py_ssize_t count, i, got = 0;
    Py_buffer views[MAX_PARTS];
    struct iovec iov[MAX_PARTS];
    struct msghdr msg;
    PyObject *seq;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "sendv(fd, parts) takes 2 arguments");
        return NULL;
    }
    if (fd_of(args[0], &fd) < 0)
        return NULL;
    if (!PyList_Check(args[1]) && !PyTuple_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "sendv: parts must be a list or a tuple");
        return NULL;
    }
    seq = PySequence_Fast(args[1], "sendv: parts must be a list or a tuple");
    if (seq == NULL)
        return NULL;
    count = PySequence_Fast_GET_SIZE(seq);
    if (count > MAX_PARTS) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_ValueError, "sendv: too many parts");
        return NULL;
    }
    for (i = 0; i < count; i++) {
        if (PyObject_GetBuffer(PySequence_Fast_GET_ITEM(seq, i), &views[i], PyBUF_SIMPLE) < 0)
            goto fail;
        got++;
        iov[i].iov_base = views[i].buf;
        iov[i].iov_len = (size_t)views[i].len;
    }
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = iov;
    msg.msg_iovlen = (size_t)count;
    do {
        n = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    for (i = 0; i < got; i++)
        PyBuffer_Release(&views[i]);
    Py_DECREF(seq);
    return send_result(n);
fail:
    for (i = 0; i < got; i++)
        PyBuffer_Release(&views[i]);
    Py_DECREF(seq);
    return NULL;
}

static PyMethodDef sendfd_methods[] = {
    {"send", (PyCFunction)(void (*)(void))sendfd_send, METH_FASTCALL,
     "send(fd, data) -> int: send(2) on a non-blocking socket, keeping the GIL."},
    {"sendv", (PyCFunction)(void (*)(void))sendfd_sendv, METH_FASTCALL,
     "sendv(fd, parts) -> int: sendmsg(2) of up to 8 buffers, keeping the GIL."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef sendfd_module = {
    PyModuleDef_HEAD_INIT, "ports._sendfd",
    "Sends on non-blocking sockets that keep the GIL (the compiled build's).", -1,
    sendfd_methods,
};

PyMODINIT_FUNC
PyInit__sendfd(void)
{
    return PyModule_Create(&sendfd_module);
}
