#!/usr/bin/env escript
%% -*- erlang -*-
%%! -noshell
%%
%% The Erlang side of package etf's tests: real term_to_binary and
%% binary_to_term, so the Go codec is checked against Erlang itself rather
%% than against our own reading of the spec.
%%
%% Usage:
%%   erlang_oracle.escript fixtures OUT SEED COUNT
%%       Writes OUT: one line per fixture, "name<TAB>hex<TAB>json". hex is a
%%       whole encoded message (version byte first) made by term_to_binary,
%%       or hand-built bytes for forms term_to_binary no longer writes (each
%%       one read back with binary_to_term, so Erlang vouches for it). json
%%       renders the term binary_to_term reads from those bytes by the
%%       mapping package etf documents. After the named fixtures come COUNT
%%       random terms generated from SEED. Regenerate with
%%         escript testdata/erlang_oracle.escript fixtures \
%%             testdata/erlang_fixtures.tsv 7 300
%%
%%   erlang_oracle.escript check [strict|discord]
%%       Reads lines "id<TAB>hex" from stdin until EOF; for each decodes hex
%%       with binary_to_term and writes "id<TAB>ok<TAB>json" or
%%       "id<TAB>error<TAB>reason". This is how Discord's side would see what
%%       we send: json renders the term strictly, keeping the types visible
%%       (integers exact, floats always with a "." or exponent, the atom nil
%%       as null, true/false as booleans, any other atom as {"$atom":Name}),
%%       and it is an error for a map key to be anything but a binary, or for
%%       the term to hold a tuple, an improper list, or a pid/ref/fun.
%%       With "discord", json renders by the fixtures' mapping instead, for
%%       terms shaped like what Discord's server sends (atom keys, IDs as
%%       integers).
%%
%% JSON strings escape '"', '\' and control characters and keep other UTF-8
%% as it is; bytes that are not UTF-8 become U+FFFD, one per byte.

-mode(compile).

main(["fixtures", Out, SeedStr, CountStr]) ->
    Seed = list_to_integer(SeedStr),
    Count = list_to_integer(CountStr),
    _ = rand:seed(exsss, {Seed, Seed * 7 + 1, Seed * 13 + 2}),
    Named = [fixture(Name, Spec) || {Name, Spec} <- named()],
    Random = [random_fixture(I) || I <- lists:seq(1, Count)],
    Lines = [[Name, $\t, hex(Bin), $\t, Json, $\n] || {Name, Bin, Json} <- Named ++ Random],
    ok = file:write_file(Out, Lines),
    io:format("wrote ~b named and ~b random fixtures to ~s~n", [length(Named), Count, Out]),
    halt(0);
main(["check"]) -> main(["check", "strict"]);
main(["check", ModeStr]) when ModeStr =:= "strict"; ModeStr =:= "discord" ->
    ok = io:setopts(standard_io, [binary, {encoding, unicode}]),
    check_loop(list_to_atom(ModeStr)),
    halt(0);
main(_) ->
    io:format(standard_error, "usage: erlang_oracle.escript fixtures OUT SEED COUNT | check~n", []),
    halt(2).

%% ---------------------------------------------------------------- fixtures

fixture(Name, {term, Term}) -> fixture(Name, {term, Term, []});
fixture(Name, {term, Term, Opts}) ->
    Bin = term_to_binary(Term, Opts),
    {Name, Bin, iolist_to_binary(json(binary_to_term(Bin), discord))};
fixture(Name, {bytes, Bin}) ->
    {Name, Bin, iolist_to_binary(json(binary_to_term(Bin), discord))}.

-define(U(S), unicode:characters_to_binary(S)).

%% Latin-1 atom 'café' and UTF-8 atoms, built from code points so this file
%% stays ASCII.
latin1_atom() -> list_to_atom([$c, $a, $f, 16#e9]).
utf8_atom() -> binary_to_atom(?U([16#65e5, 16#672c, $_, 16#1f389]), utf8).

named() ->
    Snowflake = 1234567890123456789,
    [
     %% integers
     {"small_int_0", {term, 0}},
     {"small_int_255", {term, 255}},
     {"int_256", {term, 256}},
     {"int_neg1", {term, -1}},
     {"int_max32", {term, 2147483647}},
     {"int_min32", {term, -2147483648}},
     {"big_2_31", {term, 2147483648}},
     {"big_neg_2_31_minus1", {term, -2147483649}},
     {"big_unix_ms", {term, 1700000000123}},
     {"big_2_53_minus1", {term, 9007199254740991}},
     {"big_neg_2_53_minus1", {term, -9007199254740991}},
     {"big_2_53", {term, 9007199254740992}},
     {"big_neg_2_53", {term, -9007199254740992}},
     {"big_snowflake", {term, Snowflake}},
     {"big_i64_max", {term, 9223372036854775807}},
     {"big_i64_min", {term, -9223372036854775808}},
     {"big_u64_max", {term, 18446744073709551615}},
     {"big_neg_u64_max", {term, -18446744073709551615}},
     {"big_2_64", {term, 18446744073709551616}},
     {"big_2_100", {term, 1 bsl 100}},
     {"large_big_2_2100", {term, 1 bsl 2100}},
     {"large_big_neg", {term, -(1 bsl 2100) - 12345}},
     {"small_big_no_digits", {bytes, <<131, 110, 0, 0>>}},
     {"small_big_neg_zero", {bytes, <<131, 110, 1, 1, 0>>}},
     {"small_big_unnormalized", {bytes, <<131, 110, 8, 0, 5, 0, 0, 0, 0, 0, 0, 0>>}},
     {"small_big_small_value", {bytes, <<131, 110, 2, 1, 57, 48>>}},
     %% floats
     {"float_zero", {term, 0.0}},
     {"float_neg_zero", {term, -0.0}},
     {"float_one", {term, 1.0}},
     {"float_half", {term, 1.5}},
     {"float_tenth", {term, 0.1}},
     {"float_neg_small", {term, -2.5e-10}},
     {"float_1e21", {term, 1.0e21}},
     {"float_1e20", {term, 1.0e20}},
     {"float_max", {term, 1.7976931348623157e308}},
     {"float_min_denormal", {term, 5.0e-324}},
     {"float_retry_after", {term, 1.337}},
     {"float_old_format", {term, 123456.789, [{minor_version, 0}]}},
     {"float_old_format_neg", {term, -1.0e-300, [{minor_version, 0}]}},
     {"float_old_format_zero", {term, 0.0, [{minor_version, 0}]}},
     %% atoms
     {"atom_nil", {term, nil}},
     {"atom_null", {term, null}},
     {"atom_true", {term, true}},
     {"atom_false", {term, false}},
     {"atom_plain", {term, 'MESSAGE_CREATE'}},
     {"atom_utf8_form_ascii", {term, 'READY', [{minor_version, 2}]}},
     {"atom_latin1", {term, latin1_atom()}},
     {"atom_latin1_as_utf8", {term, latin1_atom(), [{minor_version, 2}]}},
     {"atom_utf8", {term, utf8_atom()}},
     {"atom_long_latin1", {term, list_to_atom(lists:duplicate(255, $a))}},
     {"atom_long_utf8", {term, binary_to_atom(?U(lists:duplicate(100, 16#65e5)), utf8)}},
     {"atom_quoted_chars", {term, 'a "quoted" \\ atom'}},
     {"small_atom_ext_nil", {bytes, <<131, 115, 3, "nil">>}},
     {"small_atom_ext_true", {bytes, <<131, 115, 4, "true">>}},
     {"small_atom_ext_false", {bytes, <<131, 115, 5, "false">>}},
     {"small_atom_ext_name", {bytes, <<131, 115, 5, "hello">>}},
     {"small_atom_ext_latin1", {bytes, <<131, 115, 4, $c, $a, $f, 16#e9>>}},
     {"atom_utf8_ext_short", {bytes, <<131, 118, 0, 3, "abc">>}},
     {"atom_ext_empty", {bytes, <<131, 100, 0, 0>>}},
     %% binaries
     {"binary_empty", {term, <<>>}},
     {"binary_ascii", {term, <<"hello world">>}},
     {"binary_unicode", {term, ?U([$h, 16#e9, $l, $l, $o, $\s, 16#65e5, 16#672c, $\s, 16#1f389])}},
     {"binary_escapes", {term, <<"quote\" backslash\\ slash/ nl\n cr\r tab\t bs\b ff\f ctl", 1, 31, " del", 127>>}},
     {"binary_invalid_utf8", {term, <<255, 254, "a", 16#ed, 16#a0, 16#80, "b", 16#c0, 16#af, 16#e4, 16#b8>>}},
     {"binary_truncated_utf8_end", {term, <<"ok", 16#f0, 16#9f, 16#8e>>}},
     {"binary_long", {term, binary:copy(<<"0123456789abcdef">>, 512)}},
     {"binary_nul", {term, <<0, 0, "x">>}},
     %% lists
     {"nil_ext", {term, []}},
     {"string_ext_shard", {term, [0, 1]}},
     {"string_ext_255", {term, [255, 0, 128]}},
     {"string_ext_text", {term, "abc"}},
     {"string_ext_long", {term, [I rem 256 || I <- lists:seq(1, 300)]}},
     {"string_ext_empty_len", {bytes, <<131, 107, 0, 0>>}},
     {"list_ints", {term, [1, 256, -1]}},
     {"list_mixed", {term, [<<"a">>, nil, true, 1.5, [], #{}]}},
     {"list_nested", {term, [[[]], [[1, 2]], [[<<"x">>]]]}},
     {"list_long", {term, lists:seq(1000, 1300)}},
     {"list_of_maps", {term, [#{id => I} || I <- lists:seq(1, 5)]}},
     %% maps
     {"map_empty", {term, #{}}},
     {"map_atom_key", {term, #{a => 1}}},
     {"map_binary_key", {term, #{<<"a">> => 1}}},
     {"map_int_keys", {term, #{1 => <<"one">>, 300 => <<"three hundred">>, -5 => <<"neg">>}}},
     {"map_big_keys", {term, #{Snowflake => <<"id-keyed">>, 5 => x}}},
     {"map_atom_keys_special", {term, #{nil => 1, true => 2, false => 3, null => 4}}},
     {"map_utf8_keys", {term, #{utf8_atom() => 1, latin1_atom() => 2, ?U([16#263a]) => 3}}},
     {"map_nested", {term, #{a => #{b => #{c => #{d => [#{e => nil}]}}}}}},
     {"map_large", {term, maps:from_list([{list_to_binary("k" ++ integer_to_list(I)), I} || I <- lists:seq(1, 40)])}},
     %% tuples
     {"tuple_empty", {term, {}}},
     {"tuple_pair", {term, {1, 2}}},
     {"tuple_mixed", {term, {ok, <<"b">>, [1], #{}}}},
     {"tuple_large", {term, list_to_tuple(lists:seq(1, 300))}},
     %% compressed
     {"compressed_dispatch", {term, message_create(atom), [compressed]}},
     {"compressed_level1_list", {term, lists:duplicate(200, <<"repeat">>), [{compressed, 1}]}},
     %% realistic gateway traffic
     {"hello_atom_keys", {term, #{op => 10, s => nil, t => nil,
                                    d => #{heartbeat_interval => 41250,
                                           '_trace' => [<<"[\"gateway-prd-main-858d\",{\"micros\":0.0}]">>]}}}},
     {"heartbeat_ack", {term, #{op => 11, s => nil, t => nil, d => nil}}},
     {"invalid_session", {term, #{op => 9, s => nil, t => nil, d => false}}},
     {"ready_atom_keys", {term, ready()}},
     {"message_create_atom_keys", {term, message_create(atom)}},
     {"message_create_binary_keys", {term, message_create(binary)}},
     {"guild_create_snippet", {term, guild_create()}},
     {"presence_update", {term, presence_update()}},
     {"interaction_resolved", {term, interaction()}}
    ].

%% Keys as atoms (what Discord sends) or binaries (what it also may send).
k(atom, K) -> K;
k(binary, K) -> atom_to_binary(K, utf8).

obj(Kind, Pairs) -> maps:from_list([{k(Kind, K), V} || {K, V} <- Pairs]).

ready() ->
    #{op => 0, s => 1, t => 'READY',
      d => #{v => 10,
             user => #{id => 1109000000000000001, username => <<"gatewaykit">>,
                       discriminator => <<"0">>, bot => true, avatar => nil,
                       flags => 0, mfa_enabled => false},
             guilds => [#{id => 1109000000000000100 + I, unavailable => true} || I <- lists:seq(1, 3)],
             session_id => <<"4a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d">>,
             resume_gateway_url => <<"wss://gateway-us-east1-b.discord.gg">>,
             shard => [0, 1],
             application => #{id => 1109000000000000001, flags => 565248},
             '_trace' => [<<"[\"gateway-prd-us-east1-b-0q8m\",{\"micros\":123}]">>]}}.

message_create(Kind) ->
    Author = obj(Kind, [{id, 80351110224678912}, {username, <<"Nelly">>},
                        {global_name, ?U([$N, 16#e9, $l, $l, $y, $\s, 16#1f338])},
                        {discriminator, <<"0">>}, {avatar, <<"8342729096ea3675442027381ff50dfe">>},
                        {public_flags, 64}, {bot, false}]),
    Member = obj(Kind, [{roles, [1109000000000000555]}, {nick, nil},
                        {joined_at, <<"2023-05-18T12:00:00.000000+00:00">>},
                        {deaf, false}, {mute, false}, {flags, 0}]),
    D = obj(Kind, [{id, 1151230981239871234}, {channel_id, 1109000000000000200},
                   {guild_id, 1109000000000000100}, {author, Author}, {member, Member},
                   {content, ?U("Hello, \"world\"!\nThis message has unicode " ++
                                [16#65e5, 16#672c, 16#8a9e, $\s, 16#1f680] ++
                                " and a tab\there.")},
                   {timestamp, <<"2024-01-01T00:00:00.000000+00:00">>},
                   {edited_timestamp, nil}, {tts, false}, {mention_everyone, false},
                   {mentions, []}, {mention_roles, []}, {attachments, []},
                   {embeds, [obj(Kind, [{title, <<"An embed">>}, {type, <<"rich">>},
                                        {color, 16711680},
                                        {fields, [obj(Kind, [{name, <<"a">>}, {value, <<"b">>}, {inline, true}])]}])]},
                   {pinned, false}, {type, 0}, {flags, 0},
                   {nonce, <<"1151230980000000000">>},
                   {components, []}]),
    maps:from_list([{k(Kind, op), 0}, {k(Kind, s), 42}, {k(Kind, t), 'MESSAGE_CREATE'}, {k(Kind, d), D}]).

guild_create() ->
    #{op => 0, s => 2, t => 'GUILD_CREATE',
      d => #{id => 1109000000000000100, name => <<"Test Guild">>, member_count => 3,
             large => false, unavailable => false, features => [<<"COMMUNITY">>, <<"NEWS">>],
             joined_at => <<"2023-05-18T12:00:00.000000+00:00">>,
             roles => [#{id => 1109000000000000100, name => <<"@everyone">>,
                         permissions => <<"2248473465835073">>, position => 0,
                         color => 0, hoist => false, managed => false, mentionable => false}],
             channels => [#{id => 1109000000000000200 + I, type => I rem 2,
                            name => list_to_binary("channel-" ++ integer_to_list(I)),
                            position => I, permission_overwrites => [],
                            nsfw => false, rate_limit_per_user => 0} || I <- lists:seq(0, 4)],
             voice_states => [], threads => [], stage_instances => [],
             max_members => 500000, premium_tier => 0,
             system_channel_flags => 0, afk_timeout => 300}}.

presence_update() ->
    #{op => 0, s => 7, t => 'PRESENCE_UPDATE',
      d => #{user => #{id => 80351110224678912}, guild_id => 1109000000000000100,
             status => online, client_status => #{desktop => online},
             activities => [#{name => <<"a game">>, type => 0,
                              created_at => 1700000000123,
                              timestamps => #{start => 1700000000000},
                              party => #{id => <<"p1">>, size => [2, 4]},
                              assets => #{large_text => nil}}]}}.

interaction() ->
    #{<<"op">> => 0, <<"s">> => 9, <<"t">> => <<"INTERACTION_CREATE">>,
      <<"d">> => #{<<"id">> => 1151230981239870000, <<"type">> => 2,
                   <<"data">> => #{<<"name">> => <<"cmd">>,
                                   <<"resolved">> => #{<<"messages">> => #{<<"1151230981239871234">> => #{<<"id">> => <<"1151230981239871234">>}}},
                                   <<"options">> => [#{<<"name">> => <<"n">>, <<"type">> => 10, <<"value">> => 2.5}]},
                   <<"locale">> => <<"en-US">>, <<"version">> => 1}}.

%% ---------------------------------------------------------------- random

random_fixture(I) ->
    Term = gen(0),
    Opts = case rand:uniform(8) of
               1 -> [{minor_version, 0}];
               2 -> [{minor_version, 2}];
               3 -> [compressed];
               _ -> []
           end,
    Bin = term_to_binary(Term, Opts),
    Name = lists:flatten(io_lib:format("random_~4..0b", [I])),
    {Name, Bin, iolist_to_binary(json(binary_to_term(Bin), discord))}.

%% gen(Depth) makes a random term; containers get rarer with depth, and a
%% few chains go deep.
gen(D) ->
    Leaf = D > 6 orelse rand:uniform(10) =< 3 + D,
    case Leaf of
        true -> gen_leaf();
        false ->
            case rand:uniform(9) of
                1 -> [gen(D + 1) || _ <- lists:seq(1, rand:uniform(6) - 1)];
                2 -> [rand:uniform(256) - 1 || _ <- lists:seq(1, rand:uniform(8) - 1)];
                3 -> list_to_tuple([gen(D + 1) || _ <- lists:seq(1, rand:uniform(4) - 1)]);
                4 -> deep(rand:uniform(40));
                _ -> gen_map(D)
            end
    end.

deep(0) -> gen_leaf();
deep(N) ->
    case rand:uniform(2) of
        1 -> [deep(N - 1)];
        2 -> #{<<"n">> => deep(N - 1)}
    end.

%% Keys are unique after rendering to JSON, so the JSON object compares
%% equal whatever the key order.
gen_map(D) ->
    N = rand:uniform(7) - 1,
    Pairs = [{gen_key(), gen(D + 1)} || _ <- lists:seq(1, N)],
    {_, Unique} = lists:foldl(
                    fun({K, V}, {Seen, Acc}) ->
                            R = iolist_to_binary(key(K)),
                            case sets:is_element(R, Seen) of
                                true -> {Seen, Acc};
                                false -> {sets:add_element(R, Seen), [{K, V} | Acc]}
                            end
                    end, {sets:new(), []}, Pairs),
    maps:from_list(Unique).

gen_key() ->
    case rand:uniform(6) of
        1 -> rand_atom();
        2 -> rand:uniform(1 bsl 64) - (1 bsl 63);
        3 -> rand:uniform(1000);
        _ -> rand_binary()
    end.

gen_leaf() ->
    case rand:uniform(14) of
        1 -> rand:uniform(256) - 1;
        2 -> rand:uniform(1 bsl 32) - (1 bsl 31) - 1;
        3 -> rand:uniform(1 bsl 64) - (1 bsl 63);
        4 -> rand:uniform(1 bsl 200) - (1 bsl 199);
        5 -> rand:uniform(1 bsl 54) - (1 bsl 53);
        6 -> rand_float();
        7 -> rand_atom();
        8 -> lists:nth(rand:uniform(4), [nil, true, false, null]);
        9 -> [];
        _ -> rand_binary()
    end.

rand_float() ->
    case rand:uniform(3) of
        1 -> (rand:uniform() - 0.5) * math:pow(10, rand:uniform(40) - 20);
        2 -> float(rand:uniform(1000));
        3 ->
            <<F/float>> = random_finite_bits(),
            F
    end.

random_finite_bits() ->
    B = <<(rand:uniform(1 bsl 64) - 1):64>>,
    case B of
        <<_:1, 2047:11, _:52>> -> random_finite_bits();
        _ -> B
    end.

rand_atom() ->
    Pool = [abc, 'READY', 'MESSAGE_CREATE', online, idle, dnd, latin1_atom(), utf8_atom(),
            'with space', 'q"uote', '', x],
    lists:nth(rand:uniform(length(Pool)), Pool).

rand_binary() ->
    N = rand:uniform(24) - 1,
    case rand:uniform(4) of
        1 -> << <<(rand:uniform(256) - 1)>> || _ <- lists:seq(1, N) >>;
        2 -> ?U([lists:nth(rand:uniform(8), [$a, $", $\\, 10, 16#e9, 16#65e5, 16#1f389, 1])
                 || _ <- lists:seq(1, N)]);
        _ -> << <<(rand:uniform(95) + 31)>> || _ <- lists:seq(1, N) >>
    end.

%% ---------------------------------------------------------------- check

check_loop(Mode) ->
    case io:get_line(standard_io, "") of
        eof -> ok;
        Line ->
            [Id, Hex] = binary:split(string:trim(Line, trailing, "\r\n"), <<"\t">>),
            Result = try
                         Term = binary_to_term(unhex(Hex)),
                         {ok, iolist_to_binary(json(Term, Mode))}
                     catch
                         throw:{strict, Why} -> {error, Why};
                         C:R -> {error, io_lib:format("~p:~p", [C, R])}
                     end,
            case Result of
                {ok, Json} -> io:put_chars([Id, "\tok\t", Json, $\n]);
                {error, Reason} -> io:put_chars([Id, "\terror\t", oneline(Reason), $\n])
            end,
            check_loop(Mode)
    end.

oneline(Text) -> [case C of $\t -> $\s; $\n -> $\s; _ -> C end || C <- lists:flatten(io_lib:format("~s", [Text]))].

%% ---------------------------------------------------------------- JSON

%% json(Term, discord) renders by package etf's documented mapping;
%% json(Term, strict) as described at the top of this file.
-define(MAX_SAFE, 9007199254740991).

json(I, discord) when is_integer(I), abs(I) > ?MAX_SAFE -> [$", integer_to_binary(I), $"];
json(I, _) when is_integer(I) -> integer_to_binary(I);
json(F, _) when is_float(F) -> float_to_binary(F, [short]);
json(nil, _) -> <<"null">>;
json(null, discord) -> <<"null">>;
json(true, _) -> <<"true">>;
json(false, _) -> <<"false">>;
json(A, discord) when is_atom(A) -> str(atom_to_binary(A, utf8));
json(A, strict) when is_atom(A) -> [<<"{\"$atom\":">>, str(atom_to_binary(A, utf8)), $}];
json(B, _) when is_binary(B) -> str(B);
json(L, Mode) when is_list(L) ->
    case Mode =:= strict andalso not is_proper(L) of
        true -> throw({strict, "improper list"});
        false -> [$[, join([json(E, Mode) || E <- L]), $]]
    end;
json(T, discord) when is_tuple(T) -> json(tuple_to_list(T), discord);
json(M, Mode) when is_map(M) ->
    [${, join([[key(K, Mode), $:, json(V, Mode)] || {K, V} <- maps:to_list(M)]), $}];
json(T, _) -> throw({strict, io_lib:format("term cannot be sent to Discord: ~w", [T])}).

key(K) -> key(K, discord).
key(K, strict) when is_binary(K) -> str(K);
key(K, strict) -> throw({strict, io_lib:format("map key ~w is not a binary", [K])});
key(K, discord) when is_atom(K) -> str(atom_to_binary(K, utf8));
key(K, discord) when is_binary(K) -> str(K);
key(K, discord) when is_integer(K) -> [$", integer_to_binary(K), $"].

is_proper([]) -> true;
is_proper([_ | T]) -> is_proper(T);
is_proper(_) -> false.

join([]) -> [];
join([H | T]) -> [H | [[$, | X] || X <- T]].

str(B) -> [$", esc(B), $"].

esc(<<>>) -> [];
esc(<<$", R/binary>>) -> [<<"\\\"">> | esc(R)];
esc(<<$\\, R/binary>>) -> [<<"\\\\">> | esc(R)];
esc(<<C, R/binary>>) when C < 32 -> [io_lib:format("\\u~4.16.0b", [C]) | esc(R)];
esc(<<C/utf8, R/binary>>) -> [<<C/utf8>> | esc(R)];
esc(<<_, R/binary>>) -> [<<16#fffd/utf8>> | esc(R)].

%% ---------------------------------------------------------------- hex

hex(Bin) -> [io_lib:format("~2.16.0b", [B]) || <<B>> <= Bin].

unhex(Hex) -> << <<(list_to_integer([H, L], 16))>> || <<H, L>> <= Hex >>.
