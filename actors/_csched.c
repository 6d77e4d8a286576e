/* actors._csched: the scheduler's C helpers (the compiled build's; pure Python has
 * the same in Python, in actors._sched).
 *
 * step(context, coro, done, proc): one step of process proc - its coroutine sent None
 * inside its own contextvars.Context - answering what the coroutine yielded, or `done`
 * when it returned. Context.run(next, wrapper, done) did the same through three generic
 * calls and needed the coroutine's __await__ wrapper, one more object per process.
 *
 * running(): the process this thread is stepping while its context is the current one,
 * else None: what actors.current() reads first, a C call where the context variable's
 * lookup is three generic ones (the variable stays the answer everywhere else).
 *
 * once(value): an awaitable that yields value once to the scheduler, then returns None
 * (see Once below): the compiled build's actors._sched.yield_.
 *
 * Ready(value): an awaitable whose answer is already there: awaiting it gives `value`
 * without suspending. A call that has done its work when it returns (gen_tcp.send and
 * inet.setopts on a live socket, as Erlang's calls) answers with one instead of a
 * coroutine that would only hand the answer on. It can be awaited any number of times.
 * It holds only the answer (a term, which cannot refer back to it), so it is not tracked
 * by the cyclic GC.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* The process this thread is stepping and its context (borrowed: the scheduler holds
 * both for the step), or NULL between steps. Per thread, as each node's loop runs in its
 * own thread. The process is the answer only while its context is the thread's current
 * one: code that runs something in another context (a spawn calls the new process's
 * function in the new process's context) gets the context variable's answer. */
static _Thread_local PyObject *running = NULL;
static _Thread_local PyObject *running_context = NULL;

static PyObject *
csched_step(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *context, *outer, *outer_context, *result = NULL;
    PySendResult status;

    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "step(context, coro, done, proc) takes 4 arguments");
        return NULL;
    }
    context = args[0];
    if (!PyContext_CheckExact(context)) {
        PyErr_SetString(PyExc_TypeError, "step: the context must be a contextvars.Context");
        return NULL;
    }
    if (PyContext_Enter(context) < 0)
        return NULL;
    outer = running;
    outer_context = running_context;
    running = args[3];
    running_context = context;
    status = PyIter_Send(args[1], Py_None, &result);
    running = outer;
    running_context = outer_context;
    if (PyContext_Exit(context) < 0) {
        Py_XDECREF(result);
        return NULL;
    }
    if (status == PYGEN_ERROR)
        return NULL;
    if (status == PYGEN_RETURN) {
        Py_DECREF(result);
        return Py_NewRef(args[2]);
    }
    return result;
}

typedef struct {
    PyObject_HEAD
    PyObject *value;
} ReadyObject;

static PyTypeObject Ready_Type;

static PyObject *
ready_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *value;
    ReadyObject *self;

    if (kwds != NULL && PyDict_GET_SIZE(kwds) != 0) {
        PyErr_SetString(PyExc_TypeError, "Ready() takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_UnpackTuple(args, "Ready", 1, 1, &value))
        return NULL;
    self = (ReadyObject *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->value = Py_NewRef(value);
    return (PyObject *)self;
}

static void
ready_dealloc(ReadyObject *self)
{
    Py_DECREF(self->value);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
ready_repr(ReadyObject *self)
{
    return PyUnicode_FromFormat("<ready %R>", self->value);
}

static PyObject *
ready_await(PyObject *self)
{
    return Py_NewRef(self);
}

static PySendResult
ready_send(PyObject *self, PyObject *arg, PyObject **result)
{
    *result = Py_NewRef(((ReadyObject *)self)->value);
    return PYGEN_RETURN;
}

static PyObject *
stop_with(PyObject *value)
{
    /* StopIteration(value) made explicitly: PyErr_SetObject would take a tuple for the
     * exception's arguments */
    PyObject *exc = PyObject_CallOneArg(PyExc_StopIteration, value);
    if (exc != NULL) {
        PyErr_SetObject(PyExc_StopIteration, exc);
        Py_DECREF(exc);
    }
    return NULL;
}

static PyObject *
ready_iternext(PyObject *self)
{
    return stop_with(((ReadyObject *)self)->value);
}

static PyObject *
ready_send_method(PyObject *self, PyObject *arg)
{
    return stop_with(((ReadyObject *)self)->value);
}

static PyObject *
ready_throw(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    /* nothing is suspended: the exception goes back out, as from a generator that has
     * not started */
    PyObject *typ, *val = NULL, *tb = NULL;
    if (nargs < 1 || nargs > 3) {
        PyErr_SetString(PyExc_TypeError, "throw expected 1 to 3 arguments");
        return NULL;
    }
    typ = args[0];
    if (nargs > 1)
        val = args[1];
    if (nargs > 2)
        tb = args[2];
    if (PyExceptionInstance_Check(typ)) {
        PyErr_SetObject((PyObject *)Py_TYPE(typ), typ);
        return NULL;
    }
    if (PyExceptionClass_Check(typ)) {
        PyErr_SetObject(typ, val);
        (void)tb;
        return NULL;
    }
    PyErr_SetString(PyExc_TypeError, "exceptions must derive from BaseException");
    return NULL;
}

static PyObject *
ready_close(PyObject *self, PyObject *unused)
{
    Py_RETURN_NONE;
}

static PyObject *
ready_get_value(ReadyObject *self, void *closure)
{
    return Py_NewRef(self->value);
}

static PyMethodDef ready_methods[] = {
    {"send", (PyCFunction)ready_send_method, METH_O, "send(value): stops with the answer."},
    {"throw", (PyCFunction)(void (*)(void))ready_throw, METH_FASTCALL,
     "throw(exc): raises exc (nothing is suspended)."},
    {"close", (PyCFunction)ready_close, METH_NOARGS, "close(): nothing to close."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef ready_getset[] = {
    {"value", (getter)ready_get_value, NULL, "the answer", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyAsyncMethods ready_as_async = {
    .am_await = ready_await,
    .am_send = ready_send,
};

static PyTypeObject Ready_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "actors._csched.Ready",
    .tp_basicsize = sizeof(ReadyObject),
    .tp_dealloc = (destructor)ready_dealloc,
    .tp_repr = (reprfunc)ready_repr,
    .tp_as_async = &ready_as_async,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Ready(value): an awaitable whose answer is already there; awaiting it "
              "gives value without suspending.",
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = ready_iternext,
    .tp_methods = ready_methods,
    .tp_getset = ready_getset,
    .tp_new = ready_new,
};

/* Once(value): yields value once, then stops (returns None): the compiled build's
 * `yield_`, what a compiled receive or gen_server awaits to give the scheduler SUSPEND
 * (or None, to the back of the run queue). A compiled generator did the same at about
 * three times the cost to make, step twice and free. It holds one of those two markers
 * (never anything that could refer back to it), so it is not tracked by the cyclic GC. */
typedef struct {
    PyObject_HEAD
    PyObject *value; /* NULL once yielded */
} OnceObject;

static PyTypeObject Once_Type;

static void
once_dealloc(OnceObject *self)
{
    Py_XDECREF(self->value);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
once_iternext(PyObject *op)
{
    OnceObject *self = (OnceObject *)op;
    PyObject *value = self->value;
    self->value = NULL;
    return value; /* NULL without an exception: stopped, returning None */
}

static PySendResult
once_send(PyObject *op, PyObject *arg, PyObject **result)
{
    OnceObject *self = (OnceObject *)op;
    if (self->value != NULL) {
        *result = self->value;
        self->value = NULL;
        return PYGEN_NEXT;
    }
    *result = Py_NewRef(Py_None);
    return PYGEN_RETURN;
}

static PyObject *
once_send_method(PyObject *op, PyObject *arg)
{
    PyObject *value = once_iternext(op);
    if (value == NULL)
        PyErr_SetNone(PyExc_StopIteration);
    return value;
}

static PyMethodDef once_methods[] = {
    {"send", (PyCFunction)once_send_method, METH_O, "send(value): the value once, then stop."},
    {"throw", (PyCFunction)(void (*)(void))ready_throw, METH_FASTCALL, "throw(exc): raises exc."},
    {"close", (PyCFunction)ready_close, METH_NOARGS, "close(): nothing to close."},
    {NULL, NULL, 0, NULL},
};

static PyAsyncMethods once_as_async = {
    .am_await = ready_await,
    .am_send = once_send,
};

static PyTypeObject Once_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "actors._csched.Once",
    .tp_basicsize = sizeof(OnceObject),
    .tp_dealloc = (destructor)once_dealloc,
    .tp_as_async = &once_as_async,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Once(value): yields value once, then stops (the compiled build's yield_).",
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = once_iternext,
    .tp_methods = once_methods,
};

static PyObject *
csched_once(PyObject *module, PyObject *value)
{
    OnceObject *self = PyObject_New(OnceObject, &Once_Type);
    if (self == NULL)
        return NULL;
    self->value = Py_NewRef(value);
    return (PyObject *)self;
}

static PyObject *
csched_running(PyObject *module, PyObject *unused)
{
    if (running != NULL && PyThreadState_Get()->context == running_context)
        return Py_NewRef(running);
    Py_RETURN_NONE;
}

static PyObject *
csched_untrack(PyObject *module, PyObject *obj)
{
    if (PyObject_IS_GC(obj) && PyObject_GC_IsTracked(obj))
        PyObject_GC_UnTrack(obj);
    Py_RETURN_NONE;
}

static PyMethodDef csched_methods[] = {
    {"step", (PyCFunction)(void (*)(void))csched_step, METH_FASTCALL,
     "step(context, coro, done, proc): send None into coro inside context, as process "
     "proc; what it yielded, or done when it returned."},
    {"once", (PyCFunction)csched_once, METH_O,
     "once(value): an awaitable that yields value once, then returns None."},
    {"running", (PyCFunction)csched_running, METH_NOARGS,
     "running(): the process this thread is stepping while its context is the current "
     "one, else None."},
    {"untrack", (PyCFunction)csched_untrack, METH_O,
     "untrack(obj): the cycle collector stops tracking obj (whose cycles the runtime "
     "breaks itself)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef csched_module = {
    PyModuleDef_HEAD_INIT, "actors._csched",
    "The scheduler's C helpers (the compiled build's): step, running, once and Ready.", -1,
    csched_methods,
};

PyMODINIT_FUNC
PyInit__csched(void)
{
    PyObject *m;
    if (PyType_Ready(&Ready_Type) < 0 || PyType_Ready(&Once_Type) < 0)
        return NULL;
    m = PyModule_Create(&csched_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&Ready_Type);
    if (PyModule_AddObject(m, "Ready", (PyObject *)&Ready_Type) < 0) {
        Py_DECREF(&Ready_Type);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
