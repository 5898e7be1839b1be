fn main() {
    afl::fuzz!(|data: &[u8]| oversight_fuzz::ofac_csv(data));
}
