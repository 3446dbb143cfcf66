#pragma once
// What an engine's flush turn writes: a connection with queued output (an
// Engine.IO session, a Server-Sent Events stream). Output queued during a
// handler is written once at the end of it, and under load once for many
// broadcasts (engine::request_flush).

namespace ferry::engineio {

class flushable {
public:
    /// Hands queued output to the connection.
    virtual void flush() = 0;

protected:
    ~flushable() = default;
};

}  // namespace ferry::engineio
