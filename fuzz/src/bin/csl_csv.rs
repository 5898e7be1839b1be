fn main() {
    afl::fuzz!(|data: &[u8]| oversight_fuzz::csl_csv(data));
}
