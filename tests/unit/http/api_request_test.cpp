#include "http/api_request.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <string>

namespace {
using namespace ferry::http;
namespace bhttp = boost::beast::http;
using bhttp::status;
using bhttp::verb;

const api_rules rules;

api_request post(std::string_view target, std::string_view body, std::string_view type = "application/json") {
    return parse_api_request(verb::post, target, type, body, rules);
}

api_request get(std::string_view target) { return parse_api_request(verb::get, target, "", "", rules); }

api_error error_of(const api_request& r) {
    if (const auto* e = std::get_if<api_error>(&r)) return *e;
    ADD_FAILURE() << "expected an error";
    return {};
}

template <class T>
T command_of(const api_request& r) {
    if (const auto* e = std::get_if<api_error>(&r)) ADD_FAILURE() << "error: " << e->code << ": " << e->message;
    if (const auto* c = std::get_if<T>(&r)) return *c;
    ADD_FAILURE() << "unexpected command type";
    return {};
}

TEST(ApiRequest, RecognisesApiTargets) {
    EXPECT_TRUE(is_api_target("/api/emit"));
    EXPECT_TRUE(is_api_target("/api"));
    EXPECT_TRUE(is_api_target("/api/rooms?namespace=/x"));
    EXPECT_FALSE(is_api_target("/apix"));
    EXPECT_FALSE(is_api_target("/events?rooms=a"));
}

TEST(ApiRequest, EmitWithDataToOneRoom) {
    auto c = command_of<emit_command>(post("/api/emit", R"({"room":"a","event":"chat","data":{"t":"hi"}})"));
    EXPECT_EQ(c.nsp, "/");
    EXPECT_EQ(c.rooms, std::vector<std::string>{"a"});
    EXPECT_EQ(c.event, "chat");
    EXPECT_EQ(c.args, boost::json::parse(R"([{"t":"hi"}])").as_array());
    EXPECT_FALSE(c.is_volatile);
}

TEST(ApiRequest, EmitWithArgsRoomsExceptNamespaceVolatile) {
    auto c = command_of<emit_command>(post(
        "/api/emit",
        R"({"namespace":"chat","rooms":["a","b","a"],"except":"c","event":"e","args":[1,"x"],"volatile":true})"));
    EXPECT_EQ(c.nsp, "/chat");
    EXPECT_EQ(c.rooms, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(c.except, std::vector<std::string>{"c"});
    EXPECT_EQ(c.args, boost::json::parse(R"([1,"x"])").as_array());
    EXPECT_TRUE(c.is_volatile);
}

TEST(ApiRequest, EmitWithoutRoomsTargetsTheNamespaceAndHasNoArgs) {
    auto c = command_of<emit_command>(post("/api/emit", R"({"event":"e"})"));
    EXPECT_TRUE(c.rooms.empty());
    EXPECT_TRUE(c.args.empty());
}

TEST(ApiRequest, EmitNullDataIsOneArgument) {
    auto c = command_of<emit_command>(post("/api/emit", R"({"event":"e","data":null})"));
    EXPECT_EQ(c.args.size(), 1u);
}

TEST(ApiRequest, EmitIdIsKept) {
    EXPECT_EQ(command_of<emit_command>(post("/api/emit", R"({"event":"e","id":"k1"})")).id, "k1");
    EXPECT_EQ(command_of<emit_command>(post("/api/emit", R"({"event":"e","id":7})")).id, "7");
    EXPECT_EQ(error_of(post("/api/emit", R"({"event":"e","id":"k","volatile":true})")).code, "bad_request");
}

TEST(ApiRequest, EmitRefusesBadFields) {
    const char* cases[] = {
        R"({"room":"a"})",                             // no event
        R"({"event":""})",                             // empty event
        R"({"event":3})",                              // event not a string
        R"({"event":"connect"})",                      // reserved
        R"({"event":"e","data":1,"args":[1]})",        // both data and args
        R"({"event":"e","args":{}})",                  // args not an array
        R"({"event":"e","room":"a","rooms":["b"]})",   // both room and rooms
        R"({"event":"e","room":["a"]})",               // room not a string
        R"({"event":"e","rooms":"a"})",                // rooms not an array
        R"({"event":"e","rooms":[]})",                 // empty rooms
        R"({"event":"e","rooms":[1]})",                // not a room name
        R"({"event":"e","except":[]})",                // empty except
        R"({"event":"e","volatile":"yes"})",           // volatile not a bool
        R"({"event":"e","namespace":""})",             // empty namespace
        R"({"event":"e","namespace":5})",              // namespace not a string
        R"({"event":"e","date":1})",                   // unknown field (a typo)
        R"({"event":"e","id":1.5})",                   // id neither string nor integer
        R"({"event":"gap"})",                          // ferry's recovery signal
        R"({"event":"session"})",                      // ferry's SSE session event
        R"({"event":"disconnecting"})",                // reserved by Socket.IO
        R"({"event":"e","data":1e400})",               // parses to infinity: no client could read it
        R"({"event":"e","data":-1e400})",
        R"({"event":"e","args":[1,{"x":[1e999]}]})",  // nested
    };
    for (const char* body : cases) {
        auto e = error_of(post("/api/emit", body));
        EXPECT_EQ(e.status, status::bad_request) << body;
        EXPECT_EQ(e.code, "bad_request") << body;
        EXPECT_FALSE(e.message.empty()) << body;
    }
}

TEST(ApiRequest, EmitRefusesA400DigitInteger) {
    const std::string body = R"({"event":"e","data":)" + std::string(400, '9') + "}";
    auto e = error_of(post("/api/emit", body));
    EXPECT_EQ(e.code, "bad_request");
    EXPECT_NE(e.message.find("number"), std::string::npos) << e.message;
}

TEST(ApiRequest, EmitTo50000RoomsKeepsEachOnceInOrder) {
    // The duplicate check is a hash set: 50,000 rooms (each given twice) stay linear.
    std::string body = R"({"event":"e","rooms":[)";
    for (int pass = 0; pass < 2; ++pass) {
        for (int i = 0; i < 50000; ++i) body += (pass || i ? ",\"r" : "\"r") + std::to_string(i) + '"';
    }
    body += "]}";
    auto c = command_of<emit_command>(post("/api/emit", body));
    ASSERT_EQ(c.rooms.size(), 50000u);
    EXPECT_EQ(c.rooms.front(), "r0");
    EXPECT_EQ(c.rooms.back(), "r49999");
}

TEST(ApiRequest, SocketsAddsTheirRoomsToInWithoutDuplicates) {
    auto c = command_of<sockets_command>(
        post("/api/sockets/join", R"({"in":["a","s1"],"sockets":["s1","s2","s2"],"rooms":"x"})"));
    EXPECT_EQ(c.in, (std::vector<std::string>{"a", "s1", "s2"}));
}

TEST(ApiRequest, BadRoomNamesAreRefusedWithTheSharedRule) {
    const std::string long_room(201, 'r');
    for (const std::string& body :
         {R"({"event":"e","room":")" + long_room + "\"}", std::string(R"({"event":"e","rooms":["ok","a\u0001b"]})"),
          std::string(R"({"event":"e","room":""})"), std::string(R"({"event":"e","except":"x\ny"})")}) {
        auto e = error_of(post("/api/emit", body));
        EXPECT_EQ(e.status, status::bad_request) << body;
        EXPECT_EQ(e.code, "bad_room") << body;
    }
    // 200 bytes is the longest accepted.
    command_of<emit_command>(post("/api/emit", R"({"event":"e","room":")" + std::string(200, 'r') + "\"}"));
}

TEST(ApiRequest, MalformedJsonAndNonObjectBodies) {
    EXPECT_EQ(error_of(post("/api/emit", "{bad")).code, "malformed_json");
    EXPECT_EQ(error_of(post("/api/emit", "")).code, "malformed_json");
    EXPECT_EQ(error_of(post("/api/emit", "[1]")).code, "bad_request");
    EXPECT_EQ(error_of(post("/api/sockets/join", "\"x\"")).code, "bad_request");
}

TEST(ApiRequest, ContentTypeMustBeJson) {
    auto e = error_of(post("/api/emit", R"({"event":"e"})", "text/plain"));
    EXPECT_EQ(e.status, status::unsupported_media_type);
    EXPECT_EQ(e.code, "unsupported_media_type");
    EXPECT_EQ(error_of(post("/api/emit", R"({"event":"e"})", "")).status, status::unsupported_media_type);
    command_of<emit_command>(post("/api/emit", R"({"event":"e"})", "Application/JSON; charset=utf-8"));
}

TEST(ApiRequest, WrongMethodNamesTheAllowedOne) {
    auto e = error_of(get("/api/emit"));
    EXPECT_EQ(e.status, status::method_not_allowed);
    EXPECT_EQ(e.allow, "POST");
    e = error_of(post("/api/rooms", "{}"));
    EXPECT_EQ(e.status, status::method_not_allowed);
    EXPECT_EQ(e.allow, "GET");
    EXPECT_EQ(error_of(parse_api_request(verb::delete_, "/api/sockets/join", "", "", rules)).allow, "POST");
    EXPECT_EQ(error_of(post("/api/rooms/a/events", "{}")).allow, "GET");
}

TEST(ApiRequest, UnknownPathsAreNotFound) {
    for (auto target : {"/api", "/api/", "/api/nope", "/api/rooms/a", "/api/rooms/a/events/x", "/api/emit/x"}) {
        auto e = error_of(get(target));
        EXPECT_EQ(e.status, status::not_found) << target;
        EXPECT_EQ(e.code, "not_found") << target;
    }
}

TEST(ApiRequest, HistoryQuery) {
    auto h = command_of<history_query>(get("/api/rooms/a%2Fb%20c/events?namespace=/chat&limit=5"));
    EXPECT_EQ(h.room, "a/b c");
    EXPECT_EQ(h.nsp, "/chat");
    EXPECT_EQ(h.limit, 5u);
    EXPECT_EQ(h.after, "");
    h = command_of<history_query>(get("/api/rooms/a/events"));
    EXPECT_EQ(h.limit, default_history_limit);
    h = command_of<history_query>(get("/api/rooms/a/events?limit=5000"));
    EXPECT_EQ(h.limit, max_history_limit);
    h = command_of<history_query>(get("/api/rooms/a/events?limit=99999999999999999999999"));
    EXPECT_EQ(h.limit, max_history_limit);
    h = command_of<history_query>(get("/api/rooms/a/events?after=abc-12"));
    EXPECT_EQ(h.after, "abc-12");
    // Another epoch's offset is well-formed: the read answers it with gap: true.
    h = command_of<history_query>(get("/api/rooms/a/events?after=otherepoch-99"));
    EXPECT_EQ(h.after, "otherepoch-99");
}

TEST(ApiRequest, HistoryQueryRefusesBadValues) {
    EXPECT_EQ(error_of(get("/api/rooms/a/events?limit=0")).code, "bad_request");
    EXPECT_EQ(error_of(get("/api/rooms/a/events?limit=-1")).code, "bad_request");
    EXPECT_EQ(error_of(get("/api/rooms/a/events?limit=1x")).code, "bad_request");
    EXPECT_EQ(error_of(get("/api/rooms/a/events?limit=")).code, "bad_request");
    EXPECT_EQ(error_of(get("/api/rooms/a/events?after=nope")).code, "bad_offset");
    // The cursor rule every surface shares: an empty cursor is malformed, not "from the start".
    EXPECT_EQ(error_of(get("/api/rooms/a/events?after=")).code, "bad_offset");
    EXPECT_EQ(error_of(get("/api/rooms/a/events?after=E-01")).status, status::bad_request);
    EXPECT_EQ(error_of(get("/api/rooms/a%01/events")).code, "bad_room");
    EXPECT_EQ(error_of(get("/api/rooms/" + std::string(201, 'x') + "/events")).code, "bad_room");
}

TEST(ApiRequest, RoomsAndSocketsQueries) {
    EXPECT_EQ(command_of<rooms_query>(get("/api/rooms")).nsp, "/");
    EXPECT_EQ(command_of<rooms_query>(get("/api/rooms?namespace=%2Fchat")).nsp, "/chat");
    auto s = command_of<sockets_query>(get("/api/sockets?room=lobby"));
    EXPECT_EQ(s.room, std::optional<std::string>("lobby"));
    EXPECT_FALSE(s.id);
    s = command_of<sockets_query>(get("/api/sockets"));
    EXPECT_FALSE(s.room);
    s = command_of<sockets_query>(get("/api/sockets/AbC123"));
    EXPECT_EQ(s.id, std::optional<std::string>("AbC123"));
    EXPECT_EQ(error_of(get("/api/sockets?room=")).code, "bad_room");
    EXPECT_EQ(error_of(get("/api/rooms?namespace=")).code, "bad_request");
}

TEST(ApiRequest, SocketsJoinLeaveDisconnect) {
    auto c = command_of<sockets_command>(
        post("/api/sockets/join", R"({"in":["a"],"sockets":["s1"],"except":"b","rooms":"c"})"));
    EXPECT_EQ(c.action, sockets_action::join);
    EXPECT_EQ(c.in, (std::vector<std::string>{"a", "s1"}));
    EXPECT_EQ(c.except, std::vector<std::string>{"b"});
    EXPECT_EQ(c.rooms, std::vector<std::string>{"c"});
    c = command_of<sockets_command>(post("/api/sockets/leave", R"({"namespace":"/x","rooms":["c","d"]})"));
    EXPECT_EQ(c.action, sockets_action::leave);
    EXPECT_EQ(c.nsp, "/x");
    EXPECT_TRUE(c.in.empty());
    c = command_of<sockets_command>(post("/api/sockets/disconnect", R"({"sockets":["s1"],"close":true})"));
    EXPECT_EQ(c.action, sockets_action::disconnect);
    EXPECT_TRUE(c.close);
}

TEST(ApiRequest, SocketsCommandsRefuseBadFields) {
    struct bad_case {
        const char* target;
        const char* body;
        const char* code;
    } cases[] = {
        {"/api/sockets/join", R"({})", "bad_request"},                        // rooms required
        {"/api/sockets/join", R"({"rooms":[]})", "bad_request"},              // empty
        {"/api/sockets/leave", R"({"rooms":"a","sockets":"s1"})", "bad_request"},  // sockets must be a list
        {"/api/sockets/leave", R"({"rooms":"a","in":[]})", "bad_request"},
        {"/api/sockets/join", R"({"rooms":"a","close":true})", "bad_request"},    // close is for disconnect
        {"/api/sockets/disconnect", R"({"rooms":["a"]})", "bad_request"},          // rooms is for join/leave
        {"/api/sockets/disconnect", R"({"close":1})", "bad_request"},
        {"/api/sockets/join", R"({"rooms":["a\u0007"]})", "bad_room"},
        {"/api/sockets/join", R"({"rooms":"a","except":[""]})", "bad_room"},
    };
    for (const auto& c : cases) {
        auto e = error_of(post(c.target, c.body));
        EXPECT_EQ(e.code, c.code) << c.target << " " << c.body;
        EXPECT_EQ(e.status, status::bad_request) << c.target << " " << c.body;
    }
}

TEST(ApiRequest, ErrorBodyShape) {
    api_error e{status::bad_request, "bad_room", "room: \"quoted\"", {}};
    EXPECT_EQ(boost::json::parse(error_body(e)),
              boost::json::parse(R"({"error":{"code":"bad_room","message":"room: \"quoted\""}})"));
}

}  // namespace
