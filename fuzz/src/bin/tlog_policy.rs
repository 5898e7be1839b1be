fn main() {
    afl::fuzz!(|data: &[u8]| oversight_fuzz::tlog_policy(data));
}
