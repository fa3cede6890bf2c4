/* A Kafka cluster that is not Brook, for the command line's interoperability test: librdkafka's
 * in-memory mock cluster (rdkafka_mock.h) with several brokers on 127.0.0.1 ports.
 *
 *   rdkafka_mock_cluster BROKERS [--move-leaders-ms MS] [TOPIC:PARTITIONS:REPLICATION]...
 *
 * Prints the bootstrap list on stdout and serves until SIGTERM, SIGINT or its parent dies.
 * With --move-leaders-ms, every MS milliseconds each partition's leader moves to the next broker
 * (rd_kafka_mock_partition_set_leader, which also bumps the leader epoch), so clients meet
 * NOT_LEADER_OR_FOLLOWER and FENCED_LEADER_EPOCH and must follow.
 * Built by cli_mock_cluster_test.py with: gcc -o X X.c $(pkg-config --cflags --libs rdkafka) */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static volatile sig_atomic_t running = 1;
static void stop(int signal_number) { (void)signal_number; running = 0; }

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s BROKERS [TOPIC:PARTITIONS:REPLICATION]...\n", argv[0]);
        return 2;
    }
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    char error[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    if (handle == NULL) {
        fprintf(stderr, "rd_kafka_new: %s\n", error);
        return 1;
    }
    rd_kafka_mock_cluster_t *cluster = rd_kafka_mock_cluster_new(handle, atoi(argv[1]));
    if (cluster == NULL) {
        fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
        return 1;
    }
    int brokers = atoi(argv[1]);
    int move_leaders_ms = 0;
    int first_topic = 2;
    if (argc > 3 && strcmp(argv[2], "--move-leaders-ms") == 0) {
        move_leaders_ms = atoi(argv[3]);
        first_topic = 4;
    }
    enum { kTopicsMax = 16 };
    char names[kTopicsMax][256];
    int partition_counts[kTopicsMax];
    if (argc - first_topic > kTopicsMax) return 2;
    for (int i = first_topic; i < argc; i++) {
        char *name = names[i - first_topic];
        int partitions = 1, replication = 1;
        if (sscanf(argv[i], "%255[^:]:%d:%d", name, &partitions, &replication) < 1) return 2;
        partition_counts[i - first_topic] = partitions;
        rd_kafka_resp_err_t failed = rd_kafka_mock_topic_create(cluster, name, partitions,
                                                                replication);
        if (failed) {
            fprintf(stderr, "topic %s: %s\n", name, rd_kafka_err2str(failed));
            return 1;
        }
    }
    printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
    fflush(stdout);
    signal(SIGINT, stop);
    signal(SIGTERM, stop);
    int waited_ms = 0;
    for (int32_t step = 1; running; waited_ms += 50) {
        usleep(50 * 1000);
        if (move_leaders_ms <= 0 || waited_ms < move_leaders_ms) continue;
        waited_ms = 0;
        for (int t = 0; t < argc - first_topic; t++) {
            for (int32_t p = 0; p < partition_counts[t]; p++) {
                rd_kafka_mock_partition_set_leader(cluster, names[t], p, (p + step) % brokers + 1);
            }
        }
        step++;
    }
    rd_kafka_mock_cluster_destroy(cluster);
    rd_kafka_destroy(handle);
    return 0;
}
