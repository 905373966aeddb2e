package dev.tollgate.cli;

import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class DataPlanesCommandTest extends CommandLineTest {

    @Test
    void theTokenLifecycleFromTheCommandLine() throws Exception {
        startKeyMode(Map.of("TOLLGATE_ROLE", "control-plane"));
        assertThat(run("dataplanes", "create", "--name", "eu-west")).isZero();
        Matcher m = Pattern.compile("Created data-plane token (dpt_[0-9a-f]{24}) \\((tgdp-.{8})…\\)\n"
                + "Secret \\(shown once; give it to the data plane as TOLLGATE_DATA_PLANE_TOKEN\\): (tgdp-\\S{43})\n").matcher(out);
        assertThat(m.matches()).as(out).isTrue();
        String id = m.group(1);
        String secret = m.group(3);

        assertThat(run("dataplanes", "list")).isZero();
        assertThat(out).isEqualTo("ID                            PREFIX          NAME     STATUS  CREATED               REVOKED\n"
                + id + "  " + m.group(2) + "…  eu-west  active  2026-11-24T12:00:00Z  -\n");

        HttpResponse<String> fetched = gateway.get("/dataplane/v1/snapshot", "Authorization", "Bearer " + secret,
                "x-tollgate-dataplane-id", "dp_00112233aabbccdd", "x-tollgate-dataplane-version", "0.1.0", "x-tollgate-rows-waiting", "12");
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat(run("dataplanes", "status")).isZero();
        assertThat(out).isEqualTo("ID                   TOKEN                         VERSION  SNAPSHOT  UP TO DATE  LAST CONTACT          ROWS WAITING  ROWS RECEIVED\n"
                + "dp_00112233aabbccdd  " + id + "  0.1.0    -         no          2026-11-24T12:00:00Z  12            0\n");

        assertThat(run("dataplanes", "revoke", id)).isZero();
        assertThat(out).isEqualTo("Revoked data-plane token " + id + " (" + m.group(2) + "…)\n");
        assertThat(gateway.get("/dataplane/v1/snapshot", "Authorization", "Bearer " + secret).statusCode()).isEqualTo(401);

        assertThat(run("dataplanes", "revoke", "dpt_nope")).isEqualTo(1);
        assertThat(err).isEqualTo("tollgate: No data-plane token with id 'dpt_nope'. (HTTP 404)\n");
    }
}
