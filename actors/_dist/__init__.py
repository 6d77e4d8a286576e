"""Distribution: named nodes in separate OS processes exchanging terms, as Erlang nodes do.

Two halves with one interface between them:

- the transport (`transport`, and the modules it uses): the thespian engine between
  nodes, one gateway actor per node, authenticated frames of bytes, node up/down events;
- the runtime (`runtime`, `spawn`): what the frames mean. Every frame is one term in
  Erlang's external term format, a tuple whose first element is the operation, numbered
  as Erlang's distribution protocol numbers its control messages (``SEND`` 2, ``LINK``
  1, ``EXIT`` 3, ``MONITOR_P`` 19, ``SPAWN_REQUEST`` 29, ...). `names` parses node names.
"""
