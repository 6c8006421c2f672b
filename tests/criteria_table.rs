//! The default assessment table is a faithful transcription of the annex of
//! 湘国资党委〔2022〕52号 (../shared/seed): every item's text appears in the
//! source, and the points add up as the annex states.

use std::path::PathBuf;

#[derive(serde::Deserialize)]
struct Table {
    total: u32,
    categories: Vec<Category>,
}
#[derive(serde::Deserialize)]
struct Category {
    id: u32,
    name: String,
    points: u32,
    criteria: Vec<Criterion>,
}
#[derive(serde::Deserialize)]
struct Criterion {
    id: u32,
    offices: Vec<String>,
    items: Vec<Item>,
}
#[derive(serde::Deserialize)]
struct Item {
    points: u32,
    text: String,
}

/// The scan mixes half- and full-width punctuation, spaces and LaTeX.
fn normalize(s: &str) -> String {
    s.replace("$\\geq 50\\%$", "≥50%")
        .replace("$\\geq 80\\%$", "≥80%")
        .replace("$\\geq 85\\%$", "≥85%")
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            ',' => '，',
            ';' => '；',
            '(' => '（',
            ')' => '）',
            other => other,
        })
        .collect()
}

fn table() -> Table {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/criteria.yaml"),
    )
    .unwrap();
    serde_yaml::from_str(&text).unwrap()
}

#[test]
fn structure_matches_the_annex() {
    let t = table();
    assert_eq!(t.total, 100);
    let points: Vec<(u32, u32)> = t.categories.iter().map(|c| (c.id, c.points)).collect();
    assert_eq!(
        points,
        [
            (1, 12),
            (2, 10),
            (3, 6),
            (4, 10),
            (5, 16),
            (6, 12),
            (7, 8),
            (8, 10),
            (9, 16)
        ]
    );
    let ids: Vec<u32> = t
        .categories
        .iter()
        .flat_map(|c| c.criteria.iter().map(|cr| cr.id))
        .collect();
    assert_eq!(ids, (1..=31).collect::<Vec<_>>());
    for c in &t.categories {
        let sum: u32 = c
            .criteria
            .iter()
            .flat_map(|cr| &cr.items)
            .map(|i| i.points)
            .sum();
        assert_eq!(sum, c.points, "category {} {}", c.id, c.name);
    }
    let c16 = t
        .categories
        .iter()
        .flat_map(|c| &c.criteria)
        .find(|c| c.id == 16)
        .unwrap();
    assert_eq!(c16.offices, ["机关党委"]);
    let c9 = t
        .categories
        .iter()
        .flat_map(|c| &c.criteria)
        .find(|c| c.id == 9)
        .unwrap();
    assert_eq!(c9.offices, ["各处室"]);
}

#[test]
fn every_item_text_is_in_the_source_document() {
    let seed =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/seed/000_b729721c93a82d85.txt");
    let Ok(source) = std::fs::read_to_string(&seed) else {
        // The seed lives beside the repository (in CI too); say so loudly.
        eprintln!("skipped: {} not found", seed.display());
        return;
    };
    let annex = normalize(
        source
            .split("工作任务分解表\n\n序号")
            .nth(1)
            .expect("annex"),
    );
    let t = table();
    let mut items = 0;
    for c in t.categories.iter().flat_map(|c| &c.criteria) {
        for (i, item) in c.items.iter().enumerate() {
            let wanted = format!("{}（2分）", normalize(&item.text));
            assert!(
                annex.contains(&wanted),
                "item {}.{} not found in the annex: {}",
                c.id,
                i + 1,
                item.text
            );
            items += 1;
        }
    }
    assert_eq!(items, 50);
}
