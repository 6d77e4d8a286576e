%% Erlang's own distribution, for bench_dist.py: an echo process on one node, a driver on
%% another, compiled (erl -eval code is interpreted, and an interpreted receive over a long
%% mailbox would measure erl_eval, not distribution).
-module(dist_bench).
-export([peer/0, driver/1]).

peer() ->
    register(echo, spawn(fun loop/0)),
    receive after infinity -> ok end.

loop() ->
    receive
        {sink, From, N} -> sink(From, N), loop();
        {From, M} -> From ! M, loop()
    end.

sink(From, 0) -> From ! done;
sink(From, K) -> receive _ -> sink(From, K - 1) end.

driver([PeerNode, RttsS, NS]) ->
    Peer = list_to_atom(PeerNode),
    Rtts = list_to_integer(RttsS),
    N = list_to_integer(NS),
    wait_up(Peer, 100),
    Echo = {echo, Peer},
    Lat = [begin T = now_us(), Echo ! {self(), x}, receive x -> now_us() - T end end
           || _ <- lists:seq(1, Rtts)],
    Sorted = lists:sort(Lat),
    L = length(Sorted),
    Best = lists:max([one_way(Echo, N) || _ <- [1, 2, 3]]),
    io:format("~p ~p ~p ~p~n", [L * 1000000 / lists:sum(Lat), lists:nth(L div 2, Sorted),
                                lists:nth(L * 99 div 100, Sorted), Best]),
    halt().

one_way(Echo, N) ->
    T = now_us(),
    Echo ! {sink, self(), N},
    send_n(Echo, N),
    receive done -> N * 1000000 / (now_us() - T) end.

send_n(_, 0) -> ok;
send_n(Echo, K) -> Echo ! K, send_n(Echo, K - 1).

wait_up(_, 0) -> halt(2);
wait_up(Peer, K) ->
    case net_kernel:connect_node(Peer) andalso rpc:call(Peer, erlang, whereis, [echo]) of
        Pid when is_pid(Pid) -> ok;
        _ -> timer:sleep(100), wait_up(Peer, K - 1)
    end.

now_us() -> erlang:monotonic_time(microsecond).
