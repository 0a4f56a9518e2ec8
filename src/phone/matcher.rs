//! Runs the metadata's patterns. Each was compiled by `scripts/phone/metadata.py`
//! (from Python's own parse of it) into a program for this backtracking
//! matcher, the kind of engine Python's `re` is, so a pattern means here what it
//! means to libphonenumber: alternatives tried in order, greedy repeats longest
//! first, the first match found wins. Inputs are ASCII digits, at most 17 of
//! them for national numbers, so a match takes a few hundred steps at most.

use std::ops::Range;

use super::metadata::{PATTERNS, PROGRAM};

/// The instructions, as the generator writes them: one u16 each, the opcode in
/// the top 3 bits. Jump targets are absolute here; the words hold distances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// One digit, if its bit (bit 0 for `0`) is set.
    Digits(u16),
    /// Go on; if that fails, try from the target (a greedy choice).
    Split(usize),
    /// Try from the target first, then go on (a lazy choice).
    SplitLazy(usize),
    Jump(usize),
    /// Record the position in a capture slot (group n: slots 2n, 2n+1).
    Save(usize),
    /// Only at the end of the input.
    End,
    Match,
}

const OPERAND_BITS: u32 = 13;
const OPERAND_MASK: u16 = (1 << OPERAND_BITS) - 1;

/// The instruction at `pc`.
fn decode(pc: usize) -> Op {
    let word = PROGRAM[pc];
    let operand = word & OPERAND_MASK;
    // A jump's operand is a 13-bit two's complement distance from `pc`.
    let target = || {
        let distance =
            i32::from(operand) - (i32::from(operand >> (OPERAND_BITS - 1)) << OPERAND_BITS);
        pc.wrapping_add_signed(distance as isize)
    };
    match word >> OPERAND_BITS {
        0 => Op::Digits(operand),
        1 => Op::Split(target()),
        2 => Op::SplitLazy(target()),
        3 => Op::Jump(target()),
        4 => Op::Save(usize::from(operand)),
        5 => Op::End,
        _ => Op::Match,
    }
}

/// The most capture groups a metadata pattern has (checked by a test).
const MAX_GROUPS: usize = 3;
const SLOTS: usize = 2 * (MAX_GROUPS + 1);
/// A bound on backtracking; no metadata pattern comes near it on a real number.
const STEP_LIMIT: usize = 100_000;

/// Where a prefix pattern's match ended, and its groups.
#[derive(Debug, Clone)]
pub struct Captures {
    end: usize,
    groups: usize,
    slots: [Option<usize>; SLOTS],
}

impl Captures {
    pub fn end(&self) -> usize {
        self.end
    }

    /// Group `n`'s span (1-based, as in `${1}`), if it took part in the match.
    pub fn group(&self, n: usize) -> Option<Range<usize>> {
        if n == 0 || n > self.groups {
            return None;
        }
        Some(self.slots.get(2 * n).copied()??..self.slots.get(2 * n + 1).copied()??)
    }

    /// Whether the pattern's last group took part (libphonenumber transforms only then).
    pub fn last_group_matched(&self) -> bool {
        self.groups > 0 && self.group(self.groups).is_some()
    }
}

/// Whether the whole of `input` matches a number pattern (one compiled with an end anchor).
pub fn full_match(pattern: u16, input: &str) -> bool {
    run(pattern, input.as_bytes()).is_some()
}

/// The match of a prefix pattern at the start of `input`, if any.
pub fn prefix_match(pattern: u16, input: &str) -> Option<Captures> {
    run(pattern, input.as_bytes())
}

fn run(pattern: u16, input: &[u8]) -> Option<Captures> {
    let (start, groups) = PATTERNS[usize::from(pattern)];
    let groups = usize::from(groups);
    let mut stack: Vec<(usize, usize, [Option<usize>; SLOTS])> = Vec::with_capacity(16);
    stack.push((start as usize, 0, [None; SLOTS]));
    let mut steps = 0;
    while let Some((mut pc, mut pos, mut slots)) = stack.pop() {
        loop {
            steps += 1;
            if steps > STEP_LIMIT {
                return None;
            }
            match decode(pc) {
                Op::Digits(mask) => match input.get(pos) {
                    Some(&b) if b.is_ascii_digit() && mask & (1 << (b - b'0')) != 0 => {
                        pos += 1;
                        pc += 1;
                    }
                    _ => break,
                },
                Op::Split(alternative) => {
                    stack.push((alternative, pos, slots));
                    pc += 1;
                }
                Op::SplitLazy(preferred) => {
                    stack.push((pc + 1, pos, slots));
                    pc = preferred;
                }
                Op::Jump(to) => pc = to,
                Op::Save(slot) => {
                    if let Some(s) = slots.get_mut(slot) {
                        *s = Some(pos);
                    }
                    pc += 1;
                }
                Op::End if pos == input.len() => pc += 1,
                Op::End => break,
                Op::Match => {
                    return Some(Captures {
                        end: pos,
                        groups,
                        slots,
                    })
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_pattern_has_more_groups_than_the_matcher_keeps() {
        assert!(PATTERNS.iter().all(|&(_, g)| usize::from(g) <= MAX_GROUPS));
    }

    #[test]
    fn every_jump_lands_inside_its_own_pattern() {
        let mut starts: Vec<usize> = PATTERNS.iter().map(|&(s, _)| s as usize).collect();
        starts.sort_unstable();
        starts.push(PROGRAM.len());
        for bounds in starts.windows(2) {
            for pc in bounds[0]..bounds[1] {
                if let Op::Split(to) | Op::SplitLazy(to) | Op::Jump(to) = decode(pc) {
                    assert!(
                        (bounds[0]..bounds[1]).contains(&to),
                        "instruction {pc} jumps to {to}, outside {bounds:?}"
                    );
                }
            }
        }
    }
}
