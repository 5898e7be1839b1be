//! Reads list files and prints what was found in each (entries, names, weak aliases, dates,
//! countries, identifiers) and one sample entry as JSON:
//! `cargo run --release -p oversight-screening --example parse_all -- csl-csv:PATH un-xml:PATH ...`

fn main() {
    for spec in std::env::args().skip(1) {
        let t = std::time::Instant::now();
        match oversight_screening::load_list_spec(&spec) {
            Ok(es) => {
                let names: usize = es.iter().map(|e| e.names.len()).sum();
                let weak = es
                    .iter()
                    .flat_map(|e| &e.names)
                    .filter(|n| n.strength == oversight_screening::NameStrength::Weak)
                    .count();
                let dob = es.iter().filter(|e| !e.birth_dates.is_empty()).count();
                let ctry = es.iter().filter(|e| !e.countries.is_empty()).count();
                let ids = es.iter().filter(|e| !e.identifiers.is_empty()).count();
                println!(
                    "{spec}: {} entries, {names} names ({weak} weak), {dob} with dob, {ctry} with country, {ids} with ids, {:?}",
                    es.len(),
                    t.elapsed()
                );
                println!("  {}", serde_json::to_string(&es[es.len() / 2]).unwrap());
            }
            Err(e) => println!("{spec}: ERROR {e}"),
        }
    }
}
