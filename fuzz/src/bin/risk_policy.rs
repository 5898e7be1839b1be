fn main() {
    afl::fuzz!(|data: &[u8]| oversight_fuzz::risk_policy(data));
}
