//! RFC 6962 / RFC 9162 §2.1.1 hashing: domain-separated leaf and interior node hashes.
//!
//! The `0x00` / `0x01` prefixes make a leaf hash and an interior hash of the same bytes differ, which
//! is what stops an attacker from presenting an interior node as a leaf (second-preimage attack).

use sha2::{Digest, Sha256};

/// Length in bytes of every hash in the log (SHA-256).
pub const HASH_SIZE: usize = 32;

/// A SHA-256 hash of a leaf, an interior node or a tree root.
pub type Hash = [u8; HASH_SIZE];

/// Root hash of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1).
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Leaf hash `SHA-256(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

/// Interior node hash `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Converts a byte slice into a [`Hash`], or `None` if it is not exactly 32 bytes long.
pub fn hash_from_slice(bytes: &[u8]) -> Option<Hash> {
    bytes.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_tree_root_is_sha256_of_nothing() {
        // e3b0c442...b855 is the well-known SHA-256 of the empty string.
        assert_eq!(empty_root()[..4], [0xe3, 0xb0, 0xc4, 0x42]);
    }

    #[test]
    fn leaf_and_node_hashes_are_domain_separated() {
        let a = [7u8; 32];
        let mut concat = [0u8; 64];
        concat[..32].copy_from_slice(&a);
        concat[32..].copy_from_slice(&a);
        assert_ne!(leaf_hash(&concat), node_hash(&a, &a));
    }
}
