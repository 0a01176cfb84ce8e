//! The records and messages microreg writes in go-micro's dialect: answers to
//! queries, announcements, goodbyes and queries.

use std::net::IpAddr;

use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::rdata::{A, AAAA, PTR, SRV, TXT};
use hickory_proto::rr::{Name, RData, Record};

use crate::error::{Error, Result};

/// go-micro's SRV priority and weight.
const SRV_PRIORITY: u16 = 10;
const SRV_WEIGHT: u16 = 1;

/// Everything needed to describe one published entry (a node, or a listing
/// entry) on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRecords {
    /// The PTR owner: `<service>.<domain>.` or `_services.<domain>.`.
    pub pointer: Name,
    /// `<node id>.<service>.<domain>.` or `<service>._services.<domain>.`.
    pub instance: Name,
    /// SRV target and owner of the address records.
    pub host: Name,
    pub port: u16,
    pub addresses: Vec<IpAddr>,
    pub txt: Vec<String>,
}

impl EntryRecords {
    /// PTR, SRV, A/AAAA, TXT in go-micro's order (its parser relies on SRV
    /// coming before the address records it aliases).
    pub fn answer_records(&self, ttl: u32) -> Vec<Record> {
        let mut records = vec![Record::from_rdata(
            self.pointer.clone(),
            ttl,
            RData::PTR(PTR(self.instance.clone())),
        )];
        records.extend(self.instance_records(ttl));
        records
    }

    /// SRV, A/AAAA, TXT: what go-micro announces and answers for the instance.
    pub fn instance_records(&self, ttl: u32) -> Vec<Record> {
        let mut records = vec![Record::from_rdata(
            self.instance.clone(),
            ttl,
            RData::SRV(SRV::new(
                SRV_PRIORITY,
                SRV_WEIGHT,
                self.port,
                self.host.clone(),
            )),
        )];
        for address in &self.addresses {
            let data = match address {
                IpAddr::V4(v4) => RData::A(A(*v4)),
                IpAddr::V6(v6) => RData::AAAA(AAAA(*v6)),
            };
            records.push(Record::from_rdata(self.host.clone(), ttl, data));
        }
        records.push(Record::from_rdata(
            self.instance.clone(),
            ttl,
            RData::TXT(TXT::new(self.txt.clone())),
        ));
        records
    }
}

/// A response as go-micro's server writes it: QR|AA, the given id, the questions
/// echoed (its querier drops responses that do not echo its question).
pub fn response(id: u16, questions: &[Query], answers: Vec<Record>) -> Result<Vec<u8>> {
    let mut message = Message::new(id, MessageType::Response, OpCode::Query);
    message.metadata.authoritative = true;
    message.queries = questions.to_vec();
    message.answers = answers;
    encode(&message)
}

/// The questions of a query, each once (in their order): a query may repeat
/// one hundreds of times, and each answer echoes the questions.
pub fn unique_questions(questions: &[Query]) -> Vec<Query> {
    let mut seen = std::collections::HashSet::new();
    questions
        .iter()
        .filter(|q| seen.insert(*q))
        .cloned()
        .collect()
}

/// An unsolicited multicast response (announcement, or goodbye with TTL 0).
pub fn announcement(answers: Vec<Record>) -> Result<Vec<u8>> {
    response(0, &[], answers)
}

/// Responses to `questions` carrying every answer set, packed into as few
/// datagrams of at most `limit` bytes as fit (a set larger than the limit goes
/// alone). For askers that said (EDNS) they take large responses and read
/// every node of a message, unlike go-micro's querier. (The backend sends
/// [`packed_batches`]; this is their bytes alone, for tests and fuzz/.)
#[cfg(any(test, feature = "unstable-wire"))]
pub fn packed_responses(
    id: u16,
    questions: &[Query],
    sets: Vec<Vec<Record>>,
    limit: usize,
) -> Result<Vec<Vec<u8>>> {
    let packed = packed_batches(id, questions, sets, limit)?;
    Ok(packed.into_iter().map(|(_, bytes)| bytes).collect())
}

/// Answer sets (one per node) and the datagram that carries them.
pub type PackedDatagram = (Vec<Vec<Record>>, Vec<u8>);

/// `packed_responses`, each datagram with the answer sets it carries (so
/// that a sender can leave out, at send time, sets that are no longer true).
pub fn packed_batches(
    id: u16,
    questions: &[Query],
    sets: Vec<Vec<Record>>,
    limit: usize,
) -> Result<Vec<PackedDatagram>> {
    let overhead = response(id, questions, Vec::new())?.len();
    // A set's size is estimated without the questions (echoed in every
    // datagram, they would make the estimate cost sets x questions); the
    // real encoding below is the check.
    let bare = response(id, &[], Vec::new())?.len();
    let mut datagrams = Vec::new();
    let mut pending: std::collections::VecDeque<Vec<Record>> = sets.into();
    while !pending.is_empty() {
        // Take sets while their sizes alone fit; then give back the last ones
        // until the real encoding (names compress differently) fits too.
        let mut batch: Vec<Vec<Record>> = Vec::new();
        let mut estimate = overhead;
        while let Some(set) = pending.pop_front() {
            let size = response(id, &[], set.clone())?.len() - bare;
            if !batch.is_empty() && estimate + size > limit {
                pending.push_front(set);
                break;
            }
            estimate += size;
            batch.push(set);
        }
        loop {
            let bytes = response(id, questions, batch.concat())?;
            if bytes.len() <= limit || batch.len() == 1 {
                datagrams.push((batch, bytes));
                break;
            }
            pending.push_front(batch.pop().expect("more than one set"));
        }
    }
    Ok(datagrams)
}

/// The largest packed response we send, whatever the asker offers: RFC 6762
/// §17's 9000 bytes less the IP and UDP headers. (microreg's querier offers
/// one frame, [`super::questions::ANSWER_PAYLOAD`].)
pub const PACKED_PAYLOAD: u16 = 8940;

fn encode(message: &Message) -> Result<Vec<u8>> {
    message
        .to_vec()
        .map_err(|e| Error::Internal(format!("cannot encode an mDNS message: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::RecordType;
    use crate::backend::mdns::gomicro_names::{host_name, instance_name, service_name};

    fn entry() -> EntryRecords {
        EntryRecords {
            pointer: service_name("greeter", "micro").unwrap(),
            instance: instance_name("greeter-1", "greeter", "micro").unwrap(),
            host: host_name(),
            port: 8080,
            addresses: vec!["10.0.0.5".parse().unwrap(), "fd00::5".parse().unwrap()],
            txt: vec!["a".repeat(255), "cd".into()],
        }
    }

    #[test]
    fn a_response_echoes_the_question_and_carries_every_record() {
        let question = Query::query(service_name("greeter", "micro").unwrap(), RecordType::PTR);
        let bytes = response(
            7,
            std::slice::from_ref(&question),
            entry().answer_records(30),
        )
        .unwrap();
        let message = Message::from_vec(&bytes).unwrap();
        assert_eq!(message.metadata.message_type, MessageType::Response);
        assert!(message.metadata.authoritative);
        assert_eq!(message.metadata.id, 7);
        assert_eq!(message.queries, vec![question]);
        let types: Vec<RecordType> = message.answers.iter().map(|r| r.record_type()).collect();
        use RecordType::*;
        assert_eq!(types, vec![PTR, SRV, A, AAAA, TXT]);
        assert!(message.answers.iter().all(|r| r.ttl == 30));
        let RData::TXT(txt) = &message.answers[4].data else {
            panic!("TXT expected")
        };
        assert_eq!(txt.txt_data.len(), 2);
        assert_eq!(txt.txt_data[0].len(), 255);
    }

    #[test]
    fn a_question_repeated_hundreds_of_times_counts_once() {
        let ptr = Query::query(service_name("greeter", "micro").unwrap(), RecordType::PTR);
        let any = Query::query(
            instance_name("greeter-1", "greeter", "micro").unwrap(),
            RecordType::ANY,
        );
        let mut questions = vec![ptr.clone(); 400];
        questions.push(any.clone());
        questions.push(ptr.clone());
        assert_eq!(unique_questions(&questions), vec![ptr, any]);
    }

    #[test]
    fn packed_answers_fill_few_datagrams_within_the_limit() {
        let question = Query::query(service_name("greeter", "micro").unwrap(), RecordType::PTR);
        let sets: Vec<Vec<Record>> = (0..100)
            .map(|i| {
                let mut e = entry();
                e.instance = instance_name(&format!("greeter-{i}"), "greeter", "micro").unwrap();
                e.answer_records(30)
            })
            .collect();
        let questions = std::slice::from_ref(&question);
        let datagrams = packed_responses(0, questions, sets, 8940).unwrap();
        assert!(datagrams.len() < 20, "{} datagrams", datagrams.len());
        let sizes: Vec<usize> = datagrams.iter().map(Vec::len).collect();
        assert!(sizes.iter().all(|s| *s <= 8940), "{sizes:?}");
        let nodes: usize = datagrams
            .iter()
            .map(|d| {
                let m = crate::backend::mdns::wire::decode(d).unwrap();
                m.answers
                    .iter()
                    .filter(|r| r.record_type() == RecordType::SRV)
                    .count()
            })
            .sum();
        assert_eq!(nodes, 100);
    }
}
