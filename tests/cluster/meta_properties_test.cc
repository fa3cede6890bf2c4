#include "core/cluster/meta_properties.h"

#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>

#include <set>

#include "core/cluster/directory_identity.h"
#include "core/cluster/durable_file.h"
#include "tests/log/log_rig.h"

namespace brook::cluster {
namespace {

using log::testing::LogRig;

TEST_CASE("meta.properties: Kafka's version 1 text, keys in a fixed order") {
    MetaProperties meta{"MkU3OEVBNTcwNTJENDM2Qg", NodeId(3), "J8aAPcfLQt2bqs1JT_rMgQ"};
    REQUIRE(meta_properties_text(meta) ==
            "version=1\ncluster.id=MkU3OEVBNTcwNTJENDM2Qg\nnode.id=3\n"
            "directory.id=J8aAPcfLQt2bqs1JT_rMgQ\n");
}

TEST_CASE("meta.properties: a file written by kafka-storage format parses") {
    // Java's Properties.store: a comment header, keys in hash order.
    auto meta = parse_meta_properties(
        "#\n#Thu Dec 05 05:00:00 UTC 2026\nnode.id=2\ndirectory.id=J8aAPcfLQt2bqs1JT_rMgQ\n"
        "version=1\ncluster.id=MkU3OEVBNTcwNTJENDM2Qg\n");
    REQUIRE(meta.ok());
    REQUIRE(*meta == MetaProperties{"MkU3OEVBNTcwNTJENDM2Qg", NodeId(2), "J8aAPcfLQt2bqs1JT_rMgQ"});
}

TEST_CASE("meta.properties: what is not version 1 with a cluster and node id is corruption") {
    for (std::string_view text : {
             "cluster.id=abc\nnode.id=1\n",                 // no version
             "version=0\nbroker.id=1\ncluster.id=abc\n",    // ZooKeeper mode's version 0
             "version=1\nnode.id=1\n",                      // no cluster id
             "version=1\ncluster.id=abc\n",                 // no node id
             "version=1\ncluster.id=abc\nnode.id=x1\n",     // node id not a number
             "version=1\ncluster.id=abc\nnode.id=-1\n",     // negative node id
             "version=1\ncluster.id=abc\nnode.id=1\ndirectory.id=short\n",
             "version=1\ncluster.id=abc\nnode.id 1\n",      // no '='
         }) {
        INFO(text);
        auto meta = parse_meta_properties(text);
        REQUIRE_FALSE(meta.ok());
        REQUIRE(meta.error().code() == ErrorCode::corruption);
    }
}

TEST_CASE("meta.properties: text and parse round-trip (property)") {
    rc::prop("round trip", [](int32_t node, bool with_directory, uint64_t seed) {
        Random random(seed);
        MetaProperties meta{random_uuid_text(random), NodeId(node < 0 ? -(node + 1) : node),
                            with_directory ? random_uuid_text(random) : ""};
        auto parsed = parse_meta_properties(meta_properties_text(meta));
        RC_ASSERT(parsed.ok());
        RC_ASSERT(*parsed == meta);
    });
}

TEST_CASE("random uuid: 22 URL-safe base64 characters, never a leading '-', 2 spare bits zero") {
    Random random(42);
    std::set<std::string> seen;
    for (int i = 0; i < 2000; ++i) {
        std::string text = random_uuid_text(random);
        REQUIRE(is_uuid_text(text));
        REQUIRE(text.front() != '-');
        // 128 bits in 22 characters of 6: the last one carries 2 bits, so it is A, Q, g or w.
        REQUIRE(std::string_view("AQgw").find(text.back()) != std::string_view::npos);
        seen.insert(text);
    }
    REQUIRE(seen.size() == 2000);
    REQUIRE_FALSE(is_uuid_text("MkU3OEVBNTcwNTJENDM2Q"));     // 21 characters
    REQUIRE_FALSE(is_uuid_text("MkU3OEVBNTcwNTJENDM2Q+"));    // not URL-safe
    REQUIRE(is_uuid_text("MkU3OEVBNTcwNTJENDM2Qg"));
}

TEST_CASE("directory identity: without process.roles an empty directory formats itself once") {
    LogRig rig;
    Random random(7);
    rig.run([&] {
        DirectoryExpectation expected{"./data", NodeId(1), /*format_if_missing=*/true,
                                      std::nullopt};
        auto first = load_directory_identity(rig.disk, random, expected);
        REQUIRE(first.ok());
        REQUIRE(first->node_id == NodeId(1));
        REQUIRE(is_uuid_text(first->cluster_id));
        REQUIRE(is_uuid_text(first->directory_id));
        auto again = load_directory_identity(rig.disk, random, expected);
        REQUIRE(again.ok());
        REQUIRE(*again == *first);  // the file is the one source: nothing new is drawn
    });
}

TEST_CASE("directory identity: with process.roles an unformatted directory is refused") {
    LogRig rig;
    Random random(7);
    rig.run([&] {
        DirectoryExpectation expected{"/var/brook/n1", NodeId(1), /*format_if_missing=*/false,
                                      std::nullopt};
        auto refused = load_directory_identity(rig.disk, random, expected);
        REQUIRE_FALSE(refused.ok());
        REQUIRE(refused.error().context().find("/var/brook/n1/meta.properties not found") !=
                std::string::npos);
        REQUIRE(refused.error().context().find("brook format") != std::string::npos);
        auto exists = rig.disk.exists(kMetaPropertiesPath);
        REQUIRE((exists.ok() && !*exists));  // refusing writes nothing
    });
}

TEST_CASE("directory identity: another node's or another cluster's directory is refused") {
    LogRig rig;
    Random random(7);
    rig.run([&] {
        MetaProperties formatted{"MkU3OEVBNTcwNTJENDM2Qg", NodeId(2), "J8aAPcfLQt2bqs1JT_rMgQ"};
        REQUIRE(write_meta_properties(rig.disk, formatted).ok());
        DirectoryExpectation node1{"d", NodeId(1), false, std::nullopt};
        auto other_node = load_directory_identity(rig.disk, random, node1);
        REQUIRE_FALSE(other_node.ok());
        REQUIRE(other_node.error().context() ==
                "d/meta.properties has node.id=2, but the configuration has node.id=1: the "
                "directory belongs to another node");
        DirectoryExpectation other_cluster{"d/", NodeId(2), false, "AAAAAAAAAAAAAAAAAAAAAA"};
        auto refused = load_directory_identity(rig.disk, random, other_cluster);
        REQUIRE_FALSE(refused.ok());
        REQUIRE(refused.error().context() ==
                "d/meta.properties has cluster.id=MkU3OEVBNTcwNTJENDM2Qg, but this node's other "
                "directories have cluster.id=AAAAAAAAAAAAAAAAAAAAAA: the directory belongs to "
                "another cluster");
        DirectoryExpectation same{"d", NodeId(2), false, "MkU3OEVBNTcwNTJENDM2Qg"};
        auto accepted = load_directory_identity(rig.disk, random, same);
        REQUIRE(accepted.ok());
        REQUIRE(*accepted == formatted);
    });
}

TEST_CASE("directory identity: a directory formatted before directory ids gets one, durably") {
    LogRig rig;
    Random random(7);
    MetaProperties written;
    rig.run([&] {
        // What Brook's broker wrote before it had directory ids.
        REQUIRE(write_file_durably(rig.disk, kMetaPropertiesPath,
                                   "version=1\ncluster.id=old-style-id\nnode.id=1\n")
                    .ok());
        DirectoryExpectation expected{"d", NodeId(1), true, std::nullopt};
        auto loaded = load_directory_identity(rig.disk, random, expected);
        REQUIRE(loaded.ok());
        REQUIRE(loaded->cluster_id == "old-style-id");  // kept: the cluster is the same
        REQUIRE(is_uuid_text(loaded->directory_id));
        written = *loaded;
    });
    rig.disk.crash();
    rig.run([&] {
        auto reread = read_meta_properties(rig.disk);
        REQUIRE(reread.ok());
        REQUIRE(**reread == written);
    });
}

}  // namespace
}  // namespace brook::cluster
