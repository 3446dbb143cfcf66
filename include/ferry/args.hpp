#pragma once
/// @file
/// Event arguments: JSON values (Boost.JSON) plus binary buffers.

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace ferry {

/// A binary argument. Inside `args::values` it appears as the Socket.IO
/// placeholder `{"_placeholder":true,"num":N}`, where N indexes `args::attachments`.
struct binary {
    std::string bytes;
};

/// The arguments of an event or an ack.
struct args {
    /// The JSON arguments, in order; binary ones are placeholders.
    boost::json::array values;
    /// Binary buffers referenced by placeholders, index = `num`.
    std::vector<std::string> attachments;

    /// Appends one argument (a ferry::binary, a ferry::args is not allowed; anything else
    /// goes through boost::json::value_from).
    template <class T>
    args& push(T&& value) {
        if constexpr (std::is_same_v<std::decay_t<T>, binary>) {
            boost::json::object placeholder;
            placeholder["_placeholder"] = true;
            placeholder["num"] = attachments.size();
            values.emplace_back(std::move(placeholder));
            attachments.push_back(std::forward<T>(value).bytes);
        } else {
            values.emplace_back(boost::json::value_from(std::forward<T>(value)));
        }
        return *this;
    }

    /// The bytes of a binary argument, or nullptr when `v` is not a placeholder of this args.
    const std::string* binary_at(const boost::json::value& v) const noexcept;

    bool operator==(const args&) const = default;
};

/// Builds args from values: make_args(1, "two", ferry::binary{"\x01"}).
template <class... T>
args make_args(T&&... values) {
    args a;
    (a.push(std::forward<T>(values)), ...);
    return a;
}

/// Lets the emit functions take either ready-made args or loose values.
template <class... T>
args to_args(T&&... values) {
    if constexpr (sizeof...(T) == 1 && (std::is_same_v<std::decay_t<T>, args> && ...)) {
        return (std::forward<T>(values), ...);
    } else {
        return make_args(std::forward<T>(values)...);
    }
}

/// The acknowledgement callback of an event the client sent with an ack id.
/// Calling it more than once sends only the first answer (as in Socket.IO).
class ack_callback {
public:
    ack_callback() = default;
    explicit ack_callback(std::function<void(args)> fn) : fn_(std::move(fn)) {}

    /// True when the client asked for an acknowledgement.
    explicit operator bool() const noexcept { return static_cast<bool>(fn_); }

    /// Sends the acknowledgement with these values (or one ferry::args).
    template <class... T>
    void operator()(T&&... values) const {
        if (fn_) fn_(to_args(std::forward<T>(values)...));
    }

private:
    std::function<void(args)> fn_;
};

/// An event received from a client.
struct event {
    /// The event name (first element of the Socket.IO array).
    std::string name;
    /// The remaining arguments.
    ferry::args args;
    /// Acknowledges the event; empty when the client did not ask.
    ack_callback ack;
};

}  // namespace ferry
