// Clears a rig's pointer to an object that lives on a simulated node's fiber stack when that
// fiber's scope ends: when run() returns, and also when a crash of the node unwinds the fiber,
// so the rig never dereferences an object the crash took away.
//
//   node.run_fiber = [&] {
//       Broker broker(env, config);
//       rig.broker = &broker;
//       testing::ForgetOnExit forget(rig.broker);   // rig.broker is nullptr once this unwinds
//       result = broker.run();
//   };
#pragma once

namespace brook::testing {

template <typename T>
class ForgetOnExit {
public:
    explicit ForgetOnExit(T*& pointer) : pointer_(pointer) {}
    ~ForgetOnExit() { pointer_ = nullptr; }
    ForgetOnExit(const ForgetOnExit&) = delete;
    ForgetOnExit& operator=(const ForgetOnExit&) = delete;

private:
    T*& pointer_;
};

}  // namespace brook::testing
