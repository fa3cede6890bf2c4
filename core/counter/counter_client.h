// A client of the counter service (core/counter/counter_server.h).
//
//   CounterClient client(env, primary_address);
//   Result<int64_t> value = client.increment(seconds(2));
//   // ok: acknowledged with this value. error: the increment may or may not have happened.
#pragma once

#include <memory>

#include "core/counter/line_reader.h"
#include "core/runtime/environment.h"

namespace brook::counter {

class CounterClient {
public:
    CounterClient(Environment& env, Address server) : env_(env), server_(std::move(server)) {}

    // May suspend.
    Result<int64_t> increment(Duration timeout) { return request("INC", "OK ", timeout); }
    // May suspend.
    Result<int64_t> get(Duration timeout) { return request("GET", "VALUE ", timeout); }

private:
    Result<int64_t> request(std::string_view command, std::string_view reply_prefix,
                            Duration timeout);
    Result<int64_t> exchange(std::string_view command, std::string_view reply_prefix,
                             Instant deadline);

    Environment& env_;
    Address server_;
    std::unique_ptr<Connection> connection_;
    std::unique_ptr<LineReader> reader_;
};

}  // namespace brook::counter
