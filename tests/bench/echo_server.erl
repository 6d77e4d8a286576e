%% The Erlang side of bench_echo.py: the same echo server as examples/echo_server.py
%% (an acceptor pool of 8, one process per connection, {active, once}).
%%
%%   erl +S 1 -noshell -pa DIR -run echo_server main PORT PACKET BUFFER
%%
%% PACKET is 0 or 2; BUFFER is a byte count or "default" (no buffer option). Prints
%% "port N" once listening, then serves until killed.
-module(echo_server).
-export([main/1]).

-define(ACCEPTORS, 8).

main([PortS, PacketS, BufferS]) ->
    Base = [binary, {packet, list_to_integer(PacketS)}, {active, once},
            {reuseaddr, true}, {backlog, 1024}],
    Opts = case BufferS of
               "default" -> Base;
               _ -> Base ++ [{buffer, list_to_integer(BufferS)}]
           end,
    {ok, LS} = gen_tcp:listen(list_to_integer(PortS), Opts),
    {ok, Port} = inet:port(LS),
    [spawn(fun() -> acceptor(LS) end) || _ <- lists:seq(1, ?ACCEPTORS)],
    io:format("port ~p~n", [Port]),
    receive stop -> ok end.

acceptor(LS) ->
    case gen_tcp:accept(LS) of
        {ok, S} ->
            spawn(fun() -> acceptor(LS) end),
            serve(S);
        {error, _} ->
            ok
    end.

serve(S) ->
    receive
        {tcp, S, Data} ->
            gen_tcp:send(S, Data),
            inet:setopts(S, [{active, once}]),
            serve(S);
        {tcp_closed, S} ->
            gen_tcp:close(S);
        {tcp_error, S, _} ->
            gen_tcp:close(S)
    end.
