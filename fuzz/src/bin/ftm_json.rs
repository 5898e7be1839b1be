fn main() {
    afl::fuzz!(|data: &[u8]| oversight_fuzz::ftm_json(data));
}
