//! Country names as written in OFAC and UN lists → ISO 3166-1 alpha-2. The ISO table (codes, short,
//! official and common names) is `oversight-vocab`'s; the spellings the lists use besides are here.

use std::collections::HashMap;
use std::sync::OnceLock;

use oversight_vocab::Country;

/// Spellings the lists use that the ISO table does not carry.
const EXTRA: &[(&str, &str)] = &[
    ("russia", "RU"),
    ("iran", "IR"),
    ("syria", "SY"),
    ("north korea", "KP"),
    ("korea north", "KP"),
    ("korea, north", "KP"),
    ("democratic people s republic of korea", "KP"),
    ("south korea", "KR"),
    ("korea south", "KR"),
    ("republic of korea", "KR"),
    ("burma", "MM"),
    ("turkey", "TR"),
    ("turkiye", "TR"),
    ("venezuela", "VE"),
    ("bolivia", "BO"),
    ("tanzania", "TZ"),
    ("vietnam", "VN"),
    ("laos", "LA"),
    ("moldova", "MD"),
    ("macedonia", "MK"),
    ("the former yugoslav republic of macedonia", "MK"),
    ("taiwan", "TW"),
    ("palestinian", "PS"),
    ("palestine", "PS"),
    ("west bank", "PS"),
    ("gaza", "PS"),
    ("state of palestine", "PS"),
    ("kosovo", "XK"),
    ("czech republic", "CZ"),
    ("cote d ivoire", "CI"),
    ("ivory coast", "CI"),
    ("congo democratic republic of the", "CD"),
    ("congo the democratic republic of the", "CD"),
    ("democratic republic of congo", "CD"),
    ("democratic republic of the congo", "CD"),
    ("congo republic of the", "CG"),
    ("republic of the congo", "CG"),
    ("bahamas the", "BS"),
    ("gambia the", "GM"),
    ("the gambia", "GM"),
    ("united kingdom", "GB"),
    ("united kingdom of great britain and northern ireland", "GB"),
    ("united states", "US"),
    ("united states of america", "US"),
    ("usa", "US"),
    ("uae", "AE"),
    ("brunei", "BN"),
    ("cape verde", "CV"),
    ("swaziland", "SZ"),
    ("micronesia", "FM"),
    ("holy see", "VA"),
    ("vatican", "VA"),
    ("netherlands antilles", "AN"),
    ("serbia and montenegro", "RS"),
    ("sudan south", "SS"),
    ("hong kong", "HK"),
    ("macau", "MO"),
    ("libyan arab jamahiriya", "LY"),
    ("iran islamic republic of", "IR"),
    ("syrian arab republic", "SY"),
];

fn key(name: &str) -> String {
    let folded = crate::normalize::fold(name);
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn table() -> &'static HashMap<String, &'static str> {
    static TABLE: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map = HashMap::new();
        for country in Country::all() {
            let code = country.alpha2();
            for name in [Some(country.name()), country.official_name(), Some(country.common_name())] {
                if let Some(name) = name.filter(|n| !n.is_empty()) {
                    map.insert(key(name), code);
                }
            }
            map.insert(country.alpha3().to_ascii_lowercase(), code);
        }
        for (name, code) in EXTRA {
            map.insert(key(name), *code);
        }
        map
    })
}

/// The ISO alpha-2 code for a country name or code, if known.
pub fn country_code(name: &str) -> Option<&'static str> {
    let trimmed = name.trim();
    if trimmed.len() == 2 && trimmed.bytes().all(|b| b.is_ascii_uppercase()) {
        // Already a code: look it up so that only real codes pass.
        let upper = trimmed.to_string();
        return table().values().copied().find(|c| *c == upper);
    }
    table().get(&key(trimmed)).copied()
}

/// The same for a name already folded by the normaliser (lower-case ASCII words joined by single
/// spaces, as `tokenize` gives them): no second normalisation, for the screening hot path.
pub(crate) fn country_code_folded(name: &str) -> Option<&'static str> {
    table().get(name).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_spellings_of_countries_map_to_iso_codes() {
        assert_eq!(country_code("Russia"), Some("RU"));
        assert_eq!(country_code("Russian Federation"), Some("RU"));
        assert_eq!(country_code("Korea, North"), Some("KP"));
        assert_eq!(country_code("Democratic Republic of the Congo"), Some("CD"));
        assert_eq!(country_code("Côte d'Ivoire"), Some("CI"));
        assert_eq!(country_code("Iran (Islamic Republic of)"), Some("IR"));
        assert_eq!(country_code("Atlantis"), None);
    }

    #[test]
    fn every_country_of_the_shared_table_is_found_by_code_and_name() {
        for c in Country::all() {
            assert_eq!(country_code(c.alpha2()), Some(c.alpha2()));
            assert_eq!(country_code(c.alpha3()), Some(c.alpha2()), "{}", c.alpha3());
            assert!(country_code(c.name()).is_some(), "{}", c.name());
        }
        // Codes that are not in the ISO table but that the lists use still resolve as before.
        assert_eq!(country_code("Netherlands Antilles"), Some("AN"));
        assert_eq!(country_code("AN"), Some("AN"));
    }
}
