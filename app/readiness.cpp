#include "readiness.hpp"

#include <boost/json/object.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace ferry::app {

readiness::report readiness::run() const {
    namespace json = boost::json;
    json::object body{{"ready", true}};  // first in the text; set below
    json::array checks;
    bool ready = true;
    for (const auto& [name, run_check] : checks_) {
        const auto outcome = run_check();
        json::object one{{"name", name}, {"ready", outcome.ready}};
        if (!outcome.ready) {
            one["reason"] = outcome.reason;
            one["message"] = outcome.message;
            if (ready) {
                body["reason"] = outcome.reason;
                body["message"] = outcome.message;
            }
            ready = false;
        }
        checks.push_back(std::move(one));
    }
    body["ready"] = ready;
    body["checks"] = std::move(checks);
    return {ready, json::serialize(body)};
}

}  // namespace ferry::app
