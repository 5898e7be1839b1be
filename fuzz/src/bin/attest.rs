fn main() {
    afl::fuzz!(|data: &[u8]| oversight_fuzz::attest(data));
}
