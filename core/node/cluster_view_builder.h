// The ClusterView a broker follows (core/cluster/cluster_view.h), built from the committed
// MetadataImage: the registered brokers, the quorum leader as the controller, every topic by
// name with its id, its topic-resource configs and its partitions.
//
//   ClusterView view = view_of(follower.image(), quorum.leader(), caught_up);
//   TRY(broker.apply_cluster_view(std::move(view)));   // May suspend
//
// A pure function of its arguments: two nodes that applied the same committed prefix build the
// same view.
#pragma once

#include <optional>

#include "core/cluster/cluster_view.h"
#include "core/metadata/metadata_image.h"

namespace brook::node {

// `controller`: the quorum leader as this node knows it (nullopt: none known). `caught_up`:
// whether this node has applied the metadata log up to the high watermark it saw at start.
// A topic whose partition ids have a gap (no valid log writes one) keeps only the partitions
// below the gap, since a view's partitions are indexed by id.
cluster::ClusterView view_of(const metadata::MetadataImage& image,
                             std::optional<NodeId> controller, bool caught_up);

}  // namespace brook::node
