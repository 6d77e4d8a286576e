/* ports._memchr: find(d, byte, start, end) -> int, memchr(3) over bytes d[start:end]: the
 * index of the first `byte`, or -1. What ports._framing.find_byte calls past its own
 * short word-by-word scan: a call of bytes.find from compiled code costs about 1,000
 * instructions (a method looked up by name, arguments parsed from a tuple) before
 * memchr starts; this costs a few dozen. Built with the compiled build (mypyc_build.py);
 * pure Python calls bytes.find. The caller passes 0 <= start; end is clipped to len(d).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

static PyObject *
memchr_find(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t n, start, end;
    long byte;
    const char *base, *hit;

    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "find(d, byte, start, end) takes 4 arguments");
        return NULL;
    }
    if (!PyBytes_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "find: d must be bytes");
        return NULL;
    }
    byte = PyLong_AsLong(args[1]);
    if (byte == -1 && PyErr_Occurred())
        return NULL;
    start = PyLong_AsSsize_t(args[2]);
    if (start == -1 && PyErr_Occurred())
        return NULL;
    end = PyLong_AsSsize_t(args[3]);
    if (end == -1 && PyErr_Occurred())
        return NULL;
    if (byte < 0 || byte > 255 || start < 0) {
        PyErr_SetString(PyExc_ValueError, "find: byte must be 0..255 and start >= 0");
        return NULL;
    }
    n = PyBytes_GET_SIZE(args[0]);
    if (end > n)
        end = n;
    if (start >= end)
        return PyLong_FromLong(-1);
    base = PyBytes_AS_STRING(args[0]);
    hit = memchr(base + start, (int)byte, (size_t)(end - start));
    return PyLong_FromSsize_t(hit == NULL ? -1 : hit - base);
}

static PyMethodDef memchr_methods[] = {
    {"find", (PyCFunction)(void (*)(void))memchr_find, METH_FASTCALL,
     "find(d, byte, start, end) -> int: memchr over bytes d[start:end]; the index of the "
     "first byte, or -1."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef memchr_module = {
    PyModuleDef_HEAD_INIT, "ports._memchr",
    "memchr over bytes (the compiled build's; pure Python uses bytes.find).", -1,
    memchr_methods,
};

PyMODINIT_FUNC
PyInit__memchr(void)
{
    return PyModule_Create(&memchr_module);
}
