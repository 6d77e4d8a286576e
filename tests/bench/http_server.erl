%% The Erlang side of bench_http.py: the same HTTP/1.1 server as examples/http_server.py
%% (an acceptor pool, one process per connection, {packet, http_bin}, {active, once}).
%%
%%   erl +S 1 -noshell -pa DIR -run http_server main PORT ACCEPTORS
%%
%% Request line and headers arrive as http_request / http_header / http_eoh messages; a
%% body (Content-Length > 0) is read with {packet, raw} and recv, then the socket goes
%% back to http_bin. GET / answers 200 "Hello world", anything else 404, a line that does
%% not parse 400 (and the connection closes). HTTP/1.1 keeps the connection unless the
%% request says "Connection: close"; HTTP/1.0 closes unless it says "keep-alive".
%% Prints "port N" once listening, then serves until killed.
-module(http_server).
-export([main/1]).

-define(MAX_BODY, 1048576).
-define(BODY_TIMEOUT, 30000).

main([PortS, AcceptorsS]) ->
    Opts = [binary, {packet, http_bin}, {active, once}, {reuseaddr, true}, {backlog, 1024}],
    {ok, LS} = gen_tcp:listen(list_to_integer(PortS), Opts),
    {ok, Port} = inet:port(LS),
    [spawn(fun() -> acceptor(LS) end) || _ <- lists:seq(1, list_to_integer(AcceptorsS))],
    io:format("port ~p~n", [Port]),
    receive stop -> ok end.

acceptor(LS) ->
    case gen_tcp:accept(LS) of
        {ok, S} ->
            spawn(fun() -> acceptor(LS) end),
            request(S);
        {error, _} ->
            ok
    end.

%% Waiting for a request line.
request(S) ->
    receive
        {http, S, {http_request, Method, Uri, Version}} ->
            inet:setopts(S, [{active, once}]),
            headers(S, Method, Uri, Version, Version >= {1, 1}, 0);
        {http, S, _} ->
            bad_request(S);
        {tcp_closed, S} ->
            gen_tcp:close(S);
        {tcp_error, S, _} ->
            gen_tcp:close(S)
    end.

%% Reading the headers: whether to keep the connection, the body's length.
headers(S, Method, Uri, Version, Keep, Len) ->
    receive
        {http, S, {http_header, _, 'Connection', _, Value}} ->
            inet:setopts(S, [{active, once}]),
            headers(S, Method, Uri, Version, keep(Value, Keep), Len);
        {http, S, {http_header, _, 'Content-Length', _, Value}} ->
            case content_length(Value) of
                error ->
                    bad_request(S);
                N ->
                    inet:setopts(S, [{active, once}]),
                    headers(S, Method, Uri, Version, Keep, N)
            end;
        {http, S, {http_header, _, _, _, _}} ->
            inet:setopts(S, [{active, once}]),
            headers(S, Method, Uri, Version, Keep, Len);
        {http, S, http_eoh} ->
            body(S, Method, Uri, Version, Keep, Len);
        {http, S, _} ->
            bad_request(S);
        {tcp_closed, S} ->
            gen_tcp:close(S);
        {tcp_error, S, _} ->
            gen_tcp:close(S)
    end.

body(S, _Method, _Uri, _Version, _Keep, Len) when Len > ?MAX_BODY ->
    respond(S, 413, <<"Payload Too Large">>, {1, 1}, false);
body(S, Method, Uri, Version, Keep, Len) when Len > 0 ->
    ok = inet:setopts(S, [{packet, raw}]),
    case gen_tcp:recv(S, Len, ?BODY_TIMEOUT) of
        {ok, _Body} ->
            ok = inet:setopts(S, [{packet, http_bin}]),
            answer(S, Method, Uri, Version, Keep);
        {error, _} ->
            gen_tcp:close(S)
    end;
body(S, Method, Uri, Version, Keep, _Len) ->
    answer(S, Method, Uri, Version, Keep).

answer(S, 'GET', {abs_path, <<"/">>}, Version, Keep) ->
    respond(S, 200, <<"Hello world">>, Version, Keep);
answer(S, _Method, _Uri, Version, Keep) ->
    respond(S, 404, <<"Not Found">>, Version, Keep).

bad_request(S) ->
    respond(S, 400, <<"Bad Request">>, {1, 1}, false).

respond(S, Status, Body, Version, Keep) ->
    Conn = case {Keep, Version >= {1, 1}} of
               {true, true} -> <<>>;
               {true, false} -> <<"Connection: keep-alive\r\n">>;
               {false, _} -> <<"Connection: close\r\n">>
           end,
    gen_tcp:send(S, [status_line(Status), <<"Content-Type: text/plain\r\nContent-Length: ">>,
                     integer_to_binary(byte_size(Body)), <<"\r\n">>, Conn, <<"\r\n">>, Body]),
    case Keep of
        true ->
            inet:setopts(S, [{active, once}]),
            request(S);
        false ->
            gen_tcp:close(S)
    end.

status_line(200) -> <<"HTTP/1.1 200 OK\r\n">>;
status_line(400) -> <<"HTTP/1.1 400 Bad Request\r\n">>;
status_line(404) -> <<"HTTP/1.1 404 Not Found\r\n">>;
status_line(413) -> <<"HTTP/1.1 413 Payload Too Large\r\n">>.

%% The Connection header: its comma-separated tokens, in any case.
keep(Value, Keep) ->
    Tokens = [string:trim(T) || T <- binary:split(string:lowercase(Value), <<",">>, [global])],
    case lists:member(<<"close">>, Tokens) of
        true -> false;
        false -> Keep orelse lists:member(<<"keep-alive">>, Tokens)
    end.

content_length(Value) ->
    case string:trim(Value) of
        <<>> -> error;
        Digits ->
            case lists:all(fun(C) -> C >= $0 andalso C =< $9 end, binary_to_list(Digits)) of
                true -> binary_to_integer(Digits);
                false -> error
            end
    end.
