//! The mDNS backend: go-micro's own mDNS dialect (so that stock go-micro services
//! and microreg find each other) and standard DNS-SD through the mdns-sd crate
//! (avahi, Bonjour, python-zeroconf), merged by node id.

pub mod gomicro_txt;
