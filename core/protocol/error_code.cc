#include "core/protocol/error_code.h"

#include <fmt/format.h>

namespace brook::protocol {

std::string kafka_error_name(KafkaError error) {
    switch (error) {
        case KafkaError::unknown_server_error: return "UNKNOWN_SERVER_ERROR";
        case KafkaError::none: return "NONE";
        case KafkaError::offset_out_of_range: return "OFFSET_OUT_OF_RANGE";
        case KafkaError::corrupt_message: return "CORRUPT_MESSAGE";
        case KafkaError::unknown_topic_or_partition: return "UNKNOWN_TOPIC_OR_PARTITION";
        case KafkaError::invalid_fetch_size: return "INVALID_FETCH_SIZE";
        case KafkaError::leader_not_available: return "LEADER_NOT_AVAILABLE";
        case KafkaError::not_leader_or_follower: return "NOT_LEADER_OR_FOLLOWER";
        case KafkaError::request_timed_out: return "REQUEST_TIMED_OUT";
        case KafkaError::broker_not_available: return "BROKER_NOT_AVAILABLE";
        case KafkaError::replica_not_available: return "REPLICA_NOT_AVAILABLE";
        case KafkaError::message_too_large: return "MESSAGE_TOO_LARGE";
        case KafkaError::stale_controller_epoch: return "STALE_CONTROLLER_EPOCH";
        case KafkaError::offset_metadata_too_large: return "OFFSET_METADATA_TOO_LARGE";
        case KafkaError::network_exception: return "NETWORK_EXCEPTION";
        case KafkaError::coordinator_load_in_progress: return "COORDINATOR_LOAD_IN_PROGRESS";
        case KafkaError::coordinator_not_available: return "COORDINATOR_NOT_AVAILABLE";
        case KafkaError::not_coordinator: return "NOT_COORDINATOR";
        case KafkaError::invalid_topic_exception: return "INVALID_TOPIC_EXCEPTION";
        case KafkaError::record_list_too_large: return "RECORD_LIST_TOO_LARGE";
        case KafkaError::not_enough_replicas: return "NOT_ENOUGH_REPLICAS";
        case KafkaError::not_enough_replicas_after_append:
            return "NOT_ENOUGH_REPLICAS_AFTER_APPEND";
        case KafkaError::invalid_required_acks: return "INVALID_REQUIRED_ACKS";
        case KafkaError::illegal_generation: return "ILLEGAL_GENERATION";
        case KafkaError::inconsistent_group_protocol: return "INCONSISTENT_GROUP_PROTOCOL";
        case KafkaError::invalid_group_id: return "INVALID_GROUP_ID";
        case KafkaError::unknown_member_id: return "UNKNOWN_MEMBER_ID";
        case KafkaError::invalid_session_timeout: return "INVALID_SESSION_TIMEOUT";
        case KafkaError::rebalance_in_progress: return "REBALANCE_IN_PROGRESS";
        case KafkaError::invalid_commit_offset_size: return "INVALID_COMMIT_OFFSET_SIZE";
        case KafkaError::topic_authorization_failed: return "TOPIC_AUTHORIZATION_FAILED";
        case KafkaError::group_authorization_failed: return "GROUP_AUTHORIZATION_FAILED";
        case KafkaError::cluster_authorization_failed: return "CLUSTER_AUTHORIZATION_FAILED";
        case KafkaError::invalid_timestamp: return "INVALID_TIMESTAMP";
        case KafkaError::unsupported_sasl_mechanism: return "UNSUPPORTED_SASL_MECHANISM";
        case KafkaError::illegal_sasl_state: return "ILLEGAL_SASL_STATE";
        case KafkaError::unsupported_version: return "UNSUPPORTED_VERSION";
        case KafkaError::topic_already_exists: return "TOPIC_ALREADY_EXISTS";
        case KafkaError::invalid_partitions: return "INVALID_PARTITIONS";
        case KafkaError::invalid_replication_factor: return "INVALID_REPLICATION_FACTOR";
        case KafkaError::invalid_replica_assignment: return "INVALID_REPLICA_ASSIGNMENT";
        case KafkaError::invalid_config: return "INVALID_CONFIG";
        case KafkaError::not_controller: return "NOT_CONTROLLER";
        case KafkaError::invalid_request: return "INVALID_REQUEST";
        case KafkaError::unsupported_for_message_format: return "UNSUPPORTED_FOR_MESSAGE_FORMAT";
        case KafkaError::policy_violation: return "POLICY_VIOLATION";
        case KafkaError::out_of_order_sequence_number: return "OUT_OF_ORDER_SEQUENCE_NUMBER";
        case KafkaError::duplicate_sequence_number: return "DUPLICATE_SEQUENCE_NUMBER";
        case KafkaError::invalid_producer_epoch: return "INVALID_PRODUCER_EPOCH";
        case KafkaError::invalid_txn_state: return "INVALID_TXN_STATE";
        case KafkaError::invalid_producer_id_mapping: return "INVALID_PRODUCER_ID_MAPPING";
        case KafkaError::invalid_transaction_timeout: return "INVALID_TRANSACTION_TIMEOUT";
        case KafkaError::concurrent_transactions: return "CONCURRENT_TRANSACTIONS";
        case KafkaError::transaction_coordinator_fenced: return "TRANSACTION_COORDINATOR_FENCED";
        case KafkaError::transactional_id_authorization_failed:
            return "TRANSACTIONAL_ID_AUTHORIZATION_FAILED";
        case KafkaError::security_disabled: return "SECURITY_DISABLED";
        case KafkaError::operation_not_attempted: return "OPERATION_NOT_ATTEMPTED";
        case KafkaError::kafka_storage_error: return "KAFKA_STORAGE_ERROR";
        case KafkaError::log_dir_not_found: return "LOG_DIR_NOT_FOUND";
        case KafkaError::sasl_authentication_failed: return "SASL_AUTHENTICATION_FAILED";
        case KafkaError::unknown_producer_id: return "UNKNOWN_PRODUCER_ID";
        case KafkaError::reassignment_in_progress: return "REASSIGNMENT_IN_PROGRESS";
        case KafkaError::delegation_token_auth_disabled: return "DELEGATION_TOKEN_AUTH_DISABLED";
        case KafkaError::delegation_token_not_found: return "DELEGATION_TOKEN_NOT_FOUND";
        case KafkaError::delegation_token_owner_mismatch: return "DELEGATION_TOKEN_OWNER_MISMATCH";
        case KafkaError::delegation_token_request_not_allowed:
            return "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED";
        case KafkaError::delegation_token_authorization_failed:
            return "DELEGATION_TOKEN_AUTHORIZATION_FAILED";
        case KafkaError::delegation_token_expired: return "DELEGATION_TOKEN_EXPIRED";
        case KafkaError::invalid_principal_type: return "INVALID_PRINCIPAL_TYPE";
        case KafkaError::non_empty_group: return "NON_EMPTY_GROUP";
        case KafkaError::group_id_not_found: return "GROUP_ID_NOT_FOUND";
        case KafkaError::fetch_session_id_not_found: return "FETCH_SESSION_ID_NOT_FOUND";
        case KafkaError::invalid_fetch_session_epoch: return "INVALID_FETCH_SESSION_EPOCH";
        case KafkaError::listener_not_found: return "LISTENER_NOT_FOUND";
        case KafkaError::topic_deletion_disabled: return "TOPIC_DELETION_DISABLED";
        case KafkaError::fenced_leader_epoch: return "FENCED_LEADER_EPOCH";
        case KafkaError::unknown_leader_epoch: return "UNKNOWN_LEADER_EPOCH";
        case KafkaError::unsupported_compression_type: return "UNSUPPORTED_COMPRESSION_TYPE";
        case KafkaError::stale_broker_epoch: return "STALE_BROKER_EPOCH";
        case KafkaError::offset_not_available: return "OFFSET_NOT_AVAILABLE";
        case KafkaError::member_id_required: return "MEMBER_ID_REQUIRED";
        case KafkaError::preferred_leader_not_available: return "PREFERRED_LEADER_NOT_AVAILABLE";
        case KafkaError::group_max_size_reached: return "GROUP_MAX_SIZE_REACHED";
        case KafkaError::fenced_instance_id: return "FENCED_INSTANCE_ID";
        case KafkaError::eligible_leaders_not_available: return "ELIGIBLE_LEADERS_NOT_AVAILABLE";
        case KafkaError::election_not_needed: return "ELECTION_NOT_NEEDED";
        case KafkaError::no_reassignment_in_progress: return "NO_REASSIGNMENT_IN_PROGRESS";
        case KafkaError::group_subscribed_to_topic: return "GROUP_SUBSCRIBED_TO_TOPIC";
        case KafkaError::invalid_record: return "INVALID_RECORD";
        case KafkaError::unstable_offset_commit: return "UNSTABLE_OFFSET_COMMIT";
        case KafkaError::throttling_quota_exceeded: return "THROTTLING_QUOTA_EXCEEDED";
        case KafkaError::producer_fenced: return "PRODUCER_FENCED";
        case KafkaError::resource_not_found: return "RESOURCE_NOT_FOUND";
        case KafkaError::duplicate_resource: return "DUPLICATE_RESOURCE";
        case KafkaError::unacceptable_credential: return "UNACCEPTABLE_CREDENTIAL";
        case KafkaError::inconsistent_voter_set: return "INCONSISTENT_VOTER_SET";
        case KafkaError::invalid_update_version: return "INVALID_UPDATE_VERSION";
        case KafkaError::feature_update_failed: return "FEATURE_UPDATE_FAILED";
        case KafkaError::principal_deserialization_failure:
            return "PRINCIPAL_DESERIALIZATION_FAILURE";
        case KafkaError::snapshot_not_found: return "SNAPSHOT_NOT_FOUND";
        case KafkaError::position_out_of_range: return "POSITION_OUT_OF_RANGE";
        case KafkaError::unknown_topic_id: return "UNKNOWN_TOPIC_ID";
        case KafkaError::duplicate_broker_registration: return "DUPLICATE_BROKER_REGISTRATION";
        case KafkaError::broker_id_not_registered: return "BROKER_ID_NOT_REGISTERED";
        case KafkaError::inconsistent_topic_id: return "INCONSISTENT_TOPIC_ID";
        case KafkaError::inconsistent_cluster_id: return "INCONSISTENT_CLUSTER_ID";
        case KafkaError::transactional_id_not_found: return "TRANSACTIONAL_ID_NOT_FOUND";
        case KafkaError::fetch_session_topic_id_error: return "FETCH_SESSION_TOPIC_ID_ERROR";
        case KafkaError::ineligible_replica: return "INELIGIBLE_REPLICA";
        case KafkaError::new_leader_elected: return "NEW_LEADER_ELECTED";
        case KafkaError::offset_moved_to_tiered_storage: return "OFFSET_MOVED_TO_TIERED_STORAGE";
        case KafkaError::fenced_member_epoch: return "FENCED_MEMBER_EPOCH";
        case KafkaError::unreleased_instance_id: return "UNRELEASED_INSTANCE_ID";
        case KafkaError::unsupported_assignor: return "UNSUPPORTED_ASSIGNOR";
        case KafkaError::stale_member_epoch: return "STALE_MEMBER_EPOCH";
        case KafkaError::mismatched_endpoint_type: return "MISMATCHED_ENDPOINT_TYPE";
        case KafkaError::unsupported_endpoint_type: return "UNSUPPORTED_ENDPOINT_TYPE";
        case KafkaError::unknown_controller_id: return "UNKNOWN_CONTROLLER_ID";
        case KafkaError::unknown_subscription_id: return "UNKNOWN_SUBSCRIPTION_ID";
        case KafkaError::telemetry_too_large: return "TELEMETRY_TOO_LARGE";
        case KafkaError::invalid_registration: return "INVALID_REGISTRATION";
        case KafkaError::transaction_abortable: return "TRANSACTION_ABORTABLE";
    }
    return fmt::format("KafkaError({})", static_cast<int16_t>(error));
}

}  // namespace brook::protocol
