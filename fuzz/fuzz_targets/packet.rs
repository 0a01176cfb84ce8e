//! The packet path: decode -> parse (go-micro dialect) -> signature check ->
//! live view (with keys, unsigned nodes marked), and the responder's answers
//! to the packet's questions, for any datagram.
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use hickory_proto::rr::Name;
use libfuzzer_sys::fuzz_target;
use microreg::backend::mdns::counters::Counters;
use microreg::backend::mdns::gomicro_parse::{read_within, Sighting};
use microreg::backend::mdns::gomicro_records::{packed_responses, response, unique_questions};
use microreg::backend::mdns::live_view::{LiveView, Source};
use microreg::backend::mdns::published::{Published, PublishedNode};
use microreg::backend::mdns::received_bounds::ViewLimits;
use microreg::backend::mdns::signing::{SignPolicy, Signed, Signer};
use microreg::backend::mdns::wire;
use microreg::{Node, Service};

/// The registry key of the fuzzed receiver (the `signed` seed is signed with it).
const KEY: &str = "the registry key of the fuzz target";

struct World {
    view: LiveView,
    signer: Signer,
    published: Published,
    host: Name,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let limits = ViewLimits {
            max_nodes: 256,
            max_bytes: 1 << 20,
            ..ViewLimits::default()
        };
        let host = Name::from_ascii("fuzz-host.").unwrap();
        let mut published = Published::default();
        for i in 0..3 {
            let service = Service::new("greeter", "1.0.0")
                .with_node(Node::new(format!("greeter-{i}"), "10.0.0.1:8080"));
            let node = PublishedNode::new("micro", service, None, &host, &[], None).unwrap();
            published.upsert(node);
        }
        World {
            view: LiveView::new(limits, Arc::new(Counters::default()))
                .with_sign_policy(SignPolicy::MarkUnsigned),
            signer: Signer::new(&[KEY.to_string()]).unwrap().unwrap(),
            published,
            host,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(message) = wire::decode(data) else {
        return;
    };
    let world = world();
    let (sightings, _) = read_within(&message, 1 << 20);
    for sighting in sightings {
        if let Sighting::Node {
            domain,
            service,
            ttl,
            signature,
        } = sighting
        {
            let content = Signed {
                domain: &domain,
                service: &service,
                alive: ttl > 0,
            };
            let signed = world.signer.verify(&content, signature.as_deref()).is_ok();
            let ttl = Duration::from_secs(u64::from(ttl));
            world
                .view
                .observe_received(&domain, service, Source::GoMicro, ttl, signed);
        }
    }
    // As the responder does: each question once, echoed in each answer.
    let questions = unique_questions(&message.queries);
    let mut sets = Vec::new();
    for question in &questions {
        sets.extend(world.published.answers(question, &world.host));
    }
    if !sets.is_empty() {
        let _ = packed_responses(0, &questions, sets.clone(), 8940);
        for set in sets {
            let _ = response(0, &questions, set);
        }
    }
    // Expire everything now and then, so that the view does not only fill.
    if data.first() == Some(&0) {
        world
            .view
            .expire(tokio::time::Instant::now() + Duration::from_secs(1 << 20));
    }
});
