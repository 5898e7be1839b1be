//! A held-out check of transliteration: index only the original-script names of the UN list
//! (Arabic, Cyrillic, Chinese, ...) and screen each entry's Latin primary name against them.
//! `cargo run --release -p oversight-screening --example cross_script -- un-xml:PATH [THRESHOLD]`

use oversight_screening::{DEFAULT_THRESHOLD, Entry, Index, Query, load_list_spec};

fn main() {
    let spec = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "un-xml:../shared/data/lists/un_2026-02/UN_consolidated.xml".into());
    let threshold: f64 = std::env::args()
        .nth(2)
        .map(|t| t.parse().expect("THRESHOLD is a number"))
        .unwrap_or(DEFAULT_THRESHOLD);
    let Ok(entries) = load_list_spec(&spec) else {
        println!("SKIP: cannot read {spec}");
        return;
    };
    let mut scripted: Vec<Entry> = Vec::new();
    let mut queries = Vec::new();
    for e in &entries {
        let Some(original) = e.names.iter().find(|n| n.kind.as_deref() == Some("original script")) else {
            continue;
        };
        let mut only = e.clone();
        only.names = vec![original.clone()];
        scripted.push(only);
        queries.push((e.source_id.clone(), e.primary_name().to_string(), original.name.clone(), e.schema));
    }
    let index = Index::build(scripted);
    let mut hits = 0;
    for (id, latin, original, schema) in &queries {
        let ms = index
            .screen(&Query { name: latin.clone(), schema: Some(*schema), ..Query::default() }, threshold);
        if ms.iter().any(|m| &m.source_id == id) {
            hits += 1;
        } else if std::env::var_os("VERBOSE").is_some() {
            let best = index
                .screen(&Query::name(latin.clone()), 0.0)
                .into_iter()
                .find(|m| &m.source_id == id)
                .map(|m| m.score);
            println!(
                "miss {latin:?} vs {original:?} ({}) best {best:?}",
                oversight_screening::normalize::canonical(original, None)
            );
        }
    }
    println!(
        "cross-script recall: {hits}/{} = {:.3}",
        queries.len(),
        hits as f64 / queries.len().max(1) as f64
    );
}
