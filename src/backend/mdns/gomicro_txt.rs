//! The TXT payload of go-micro's mDNS dialect: `mdnsTxt` as JSON, zlib-compressed,
//! lowercase hex, cut into TXT character-strings of 255 characters.

use std::cell::RefCell;
use std::io::Read;

use flate2::read::ZlibDecoder;
use flate2::{Compress, Compression, FlushCompress, Status};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Endpoint, Metadata};

/// One TXT character-string holds at most this many characters.
const TXT_STRING_LEN: usize = 255;

/// A decoded payload never inflates beyond this: a hostile packet cannot make us
/// allocate more (go-micro's largest real payloads are tens of KiB).
pub const MAX_INFLATED_LEN: u64 = 1 << 20;

/// What a go-micro node says about itself. go-micro's struct has no JSON tags, so
/// keys are capitalised; Go reads keys case-insensitively, hence the aliases.
/// Field order follows go-micro's struct, so our JSON matches its JSON.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GoMicroTxt {
    #[serde(rename = "Metadata", alias = "metadata", default)]
    pub metadata: Option<Metadata>,
    #[serde(rename = "Service", alias = "service", default)]
    pub service: String,
    #[serde(rename = "Version", alias = "version", default)]
    pub version: String,
    #[serde(rename = "Endpoints", alias = "endpoints", default)]
    pub endpoints: Option<Vec<Endpoint>>,
    /// microreg's signature (see `signing`), when the sender has registry keys.
    /// go-micro's decoder ignores members it does not know.
    #[serde(
        rename = "Signature",
        alias = "signature",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub signature: Option<String>,
}

/// JSON -> zlib -> lowercase hex -> strings of at most 255 characters.
pub fn encode(txt: &GoMicroTxt) -> Result<Vec<String>> {
    let json = serde_json::to_vec(txt).map_err(|e| Error::Internal(format!("TXT JSON: {e}")))?;
    let encoded = hex::encode(zlib_compress(&json)?);
    Ok(encoded
        .as_bytes()
        .chunks(TXT_STRING_LEN)
        .map(|chunk| String::from_utf8(chunk.to_vec()).expect("hex is ASCII"))
        .collect())
}

thread_local! {
    /// A compressor per thread, reset for each payload: a deflate state is a few
    /// hundred KiB, and allocating one per node made registering 1000 nodes
    /// leave megabytes of freed-but-kept heap behind.
    static COMPRESSOR: RefCell<Compress> = RefCell::new(Compress::new(Compression::default(), true));
}

/// zlib (RFC 1950, with header), as Go's `compress/zlib` writes it.
fn zlib_compress(data: &[u8]) -> Result<Vec<u8>> {
    COMPRESSOR.with(|cell| {
        let mut compressor = cell.borrow_mut();
        compressor.reset();
        let mut out = Vec::with_capacity(data.len() / 2 + 64);
        loop {
            let consumed = compressor.total_in() as usize;
            let status = compressor
                .compress_vec(&data[consumed..], &mut out, FlushCompress::Finish)
                .map_err(|e| Error::Internal(format!("zlib: {e}")))?;
            match status {
                Status::StreamEnd => return Ok(out),
                Status::Ok | Status::BufError => out.reserve(out.capacity().max(64)),
            }
        }
    })
}

/// Joins the strings, hex-decodes, inflates (bounded) and parses the JSON.
#[cfg(any(test, feature = "unstable-wire"))]
pub fn decode<S: AsRef<[u8]>>(strings: &[S]) -> Result<GoMicroTxt> {
    decode_within(strings, MAX_INFLATED_LEN).0
}

/// Like [`decode`], inflating at most `limit` bytes (and never more than
/// [`MAX_INFLATED_LEN`]); also returns the bytes inflated, to charge them to
/// the sender's budget.
pub fn decode_within<S: AsRef<[u8]>>(strings: &[S], limit: u64) -> (Result<GoMicroTxt>, u64) {
    let limit = limit.min(MAX_INFLATED_LEN);
    let mut json = Vec::new();
    let result = inflate(strings, limit, &mut json).and_then(|()| {
        serde_json::from_slice(&json).map_err(|e| Error::invalid(format!("TXT JSON: {e}")))
    });
    (result, json.len() as u64)
}

fn inflate<S: AsRef<[u8]>>(strings: &[S], limit: u64, json: &mut Vec<u8>) -> Result<()> {
    let joined: Vec<u8> = strings
        .iter()
        .flat_map(|s| s.as_ref().iter().copied())
        .collect();
    let compressed =
        hex::decode(&joined).map_err(|e| Error::invalid(format!("TXT is not hex: {e}")))?;
    ZlibDecoder::new(compressed.as_slice())
        .take(limit + 1)
        .read_to_end(json)
        .map_err(|e| Error::invalid(format!("TXT is not zlib: {e}")))?;
    if json.len() as u64 > limit {
        return Err(Error::invalid(if limit == MAX_INFLATED_LEN {
            "TXT payload inflates beyond 1 MiB".to_string()
        } else {
            format!("TXT payload inflates beyond the {limit} bytes left in the sender's budget")
        }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Value;
    use flate2::write::ZlibEncoder;
    use std::io::Write;

    /// Produced by Go's encoding/json + compress/zlib + encoding/hex exactly as
    /// go-micro's registry `encode` does (see tests/interop/gomicro/txtfixture).
    const GO_FIXTURE: &str = include_str!("../../../tests/fixtures/gomicro_txt_helloworld.txt");

    fn sample() -> GoMicroTxt {
        GoMicroTxt {
            metadata: Some(Metadata::from([("protocol".into(), "grpc".into())])),
            service: "helloworld".into(),
            version: "latest".into(),
            endpoints: Some(vec![Endpoint {
                name: "Helloworld.Call".into(),
                request: Some(Value {
                    name: "Request".into(),
                    type_name: "Request".into(),
                    values: vec![],
                }),
                response: None,
                metadata: Metadata::new(),
            }]),
            signature: None,
        }
    }

    #[test]
    fn decodes_what_go_micro_writes() {
        let strings: Vec<&str> = GO_FIXTURE.lines().collect();
        assert_eq!(strings.len(), 2, "the fixture spans two TXT strings");
        assert_eq!(strings[0].len(), 255);
        let txt = decode(&strings).unwrap();
        assert_eq!(txt.service, "helloworld");
        assert_eq!(txt.version, "latest");
        let metadata = txt.metadata.unwrap();
        assert_eq!(metadata["transport"], "grpc");
        assert_eq!(metadata.len(), 5);
        let endpoints = txt.endpoints.unwrap();
        assert_eq!(endpoints[0].name, "Helloworld.Call");
        let request = endpoints[0].request.as_ref().unwrap();
        assert_eq!(request.values[0].name, "name");
        assert_eq!(request.values[0].type_name, "string");
        assert_eq!(
            endpoints[0].response.as_ref().unwrap().values[0].name,
            "msg"
        );
    }

    #[test]
    fn round_trips_and_cuts_into_255_character_strings() {
        let mut txt = sample();
        // Enough incompressible metadata to need several strings.
        let noise: String = (0..2000u32)
            .map(|i| char::from(b'a' + (i.wrapping_mul(2654435761) >> 27) as u8 % 26))
            .collect();
        txt.metadata.as_mut().unwrap().insert("noise".into(), noise);
        let strings = encode(&txt).unwrap();
        assert!(strings.len() > 2);
        assert!(strings[..strings.len() - 1].iter().all(|s| s.len() == 255));
        assert!(strings.iter().all(|s| s
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))));
        assert_eq!(decode(&strings).unwrap(), txt);
    }

    #[test]
    fn writes_go_micro_key_names_and_order() {
        let strings = encode(&sample()).unwrap();
        let compressed = hex::decode(strings.concat()).unwrap();
        let mut json = String::new();
        ZlibDecoder::new(compressed.as_slice())
            .read_to_string(&mut json)
            .unwrap();
        assert!(json.starts_with(r#"{"Metadata":{"protocol":"grpc"},"Service":"helloworld","Version":"latest","Endpoints":[{"name":"Helloworld.Call""#), "{json}");
        assert_eq!(
            &compressed[..2],
            &[0x78, 0x9c],
            "zlib header as Go writes it"
        );
    }

    #[test]
    fn accepts_lowercase_keys_and_nulls() {
        let json = br#"{"service":"a","version":"1","metadata":null,"endpoints":null}"#;
        let mut zlib = ZlibEncoder::new(Vec::new(), Compression::default());
        zlib.write_all(json).unwrap();
        let strings = vec![hex::encode(zlib.finish().unwrap())];
        let txt = decode(&strings).unwrap();
        assert_eq!((txt.service.as_str(), txt.version.as_str()), ("a", "1"));
        assert_eq!(txt.metadata, None);
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        assert!(decode(&["zz"]).is_err());
        assert!(decode(&["00ff"]).is_err());
        assert!(decode::<&str>(&[]).is_err());
        let mut zlib = ZlibEncoder::new(Vec::new(), Compression::default());
        zlib.write_all(b"not json").unwrap();
        assert!(decode(&[hex::encode(zlib.finish().unwrap())]).is_err());
    }

    #[test]
    fn refuses_zip_bombs() {
        let mut zlib = ZlibEncoder::new(Vec::new(), Compression::best());
        zlib.write_all(&vec![b' '; (MAX_INFLATED_LEN as usize) * 2])
            .unwrap();
        let strings = vec![hex::encode(zlib.finish().unwrap())];
        let error = decode(&strings).unwrap_err();
        assert!(error.to_string().contains("1 MiB"), "{error}");
    }
}
