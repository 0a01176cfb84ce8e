//! go-micro's TXT codec: any TXT strings decode without panicking, within the
//! inflation bound, and whatever decodes re-encodes to the same payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use microreg::backend::mdns::gomicro_txt::{decode_within, encode, MAX_INFLATED_LEN};

fuzz_target!(|data: &[u8]| {
    // TXT character-strings: the input cut at newlines (at most 255 bytes each).
    let strings: Vec<&[u8]> = data
        .split(|b| *b == b'\n')
        .flat_map(|s| s.chunks(255))
        .collect();
    let (decoded, inflated) = decode_within(&strings, MAX_INFLATED_LEN);
    assert!(inflated <= MAX_INFLATED_LEN);
    if let Ok(txt) = decoded {
        let again = encode(&txt).expect("a decoded payload encodes");
        let (round_trip, _) = decode_within(&again, MAX_INFLATED_LEN);
        assert_eq!(round_trip.expect("re-encoded payload decodes"), txt);
    }
});
