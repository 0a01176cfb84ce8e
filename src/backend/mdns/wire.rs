//! Decoding mDNS datagrams with hickory-proto, leniently enough for real peers.
//!
//! go-micro writes its listing entries with an empty TXT (RDLENGTH 0), which
//! hickory's `Message::from_vec` rejects as an "update" record, so the whole
//! packet would be lost. Here the same hickory readers run section by section,
//! and an empty TXT is read as a TXT without strings (other empty records are
//! dropped).

use hickory_proto::op::{Edns, Header, Message, Query};
use hickory_proto::rr::rdata::TXT;
use hickory_proto::rr::{RData, Record, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder, DecodeError};

/// Decodes one datagram. Any structural error rejects the whole datagram.
pub fn decode(bytes: &[u8]) -> Result<Message, DecodeError> {
    let mut decoder = BinDecoder::new(bytes);
    let header = Header::read(&mut decoder)?;
    let counts = header.counts;
    let mut message = Message::new(
        header.metadata.id,
        header.metadata.message_type,
        header.metadata.op_code,
    );
    message.metadata = header.metadata;
    for _ in 0..counts.queries {
        message.queries.push(Query::read(&mut decoder)?);
    }
    message.answers = read_records(&mut decoder, counts.answers)?;
    message.authorities = read_records(&mut decoder, counts.authorities)?;
    message.additionals = read_records(&mut decoder, counts.additionals)?;
    // EDNS(0): the OPT pseudo-record says how large a response the asker takes.
    if let Some(at) = message
        .additionals
        .iter()
        .position(|r| r.record_type() == RecordType::OPT)
    {
        let opt = message.additionals.remove(at);
        message.edns = Some(Edns::from(&opt));
    }
    Ok(message)
}

fn read_records(decoder: &mut BinDecoder<'_>, count: u16) -> Result<Vec<Record>, DecodeError> {
    let mut records = Vec::with_capacity(usize::from(count).min(64));
    for _ in 0..count {
        let mut record = Record::read(decoder)?;
        match record.data {
            RData::Update0(RecordType::TXT) => {
                record.data = RData::TXT(TXT::new(Vec::new()));
                records.push(record);
            }
            // An EDNS(0) OPT record without options: `decode` reads it.
            RData::Update0(RecordType::OPT) => records.push(record),
            RData::Update0(_) => {}
            _ => records.push(record),
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::{MessageType, OpCode};
    use hickory_proto::rr::Name;

    #[test]
    fn reads_an_empty_txt_that_hickory_alone_rejects() {
        let mut message = Message::new(0, MessageType::Response, OpCode::Query);
        let name = Name::from_ascii("greeter._services.micro.").unwrap();
        message.answers = vec![Record::from_rdata(name, 120, RData::TXT(TXT::new(vec![])))];
        let bytes = message.to_vec().unwrap();
        assert!(Message::from_vec(&bytes).is_err());
        let decoded = decode(&bytes).unwrap();
        assert!(matches!(&decoded.answers[0].data, RData::TXT(t) if t.txt_data.is_empty()));
    }

    #[test]
    fn rejects_truncated_and_random_bytes() {
        let query = Message::new(1, MessageType::Query, OpCode::Query);
        let mut bytes = query.to_vec().unwrap();
        bytes[5] = 3; // claims three questions that are not there
        assert!(decode(&bytes).is_err());
        assert!(decode(&[1, 2, 3]).is_err());
        for seed in 0..2000u32 {
            let noise: Vec<u8> = (0..64u32)
                .map(|i| {
                    (seed
                        .wrapping_mul(31)
                        .wrapping_add(i)
                        .wrapping_mul(2654435761)
                        >> 24) as u8
                })
                .collect();
            let _ = decode(&noise); // must not panic
        }
    }
}
