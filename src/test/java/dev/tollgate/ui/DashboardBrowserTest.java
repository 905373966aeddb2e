package dev.tollgate.ui;

import dev.tollgate.support.Browser;
import dev.tollgate.support.FakeUpstream;
import dev.tollgate.support.KeyModeTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The dashboard in headless Chromium: sign-in, keys, usage, roles, and values that look like markup. */
class DashboardBrowserTest extends KeyModeTest {

    private static final String IMG = "<img src=x onerror=alert(1)>";
    private static final String SCRIPT = "\"><script>alert(1)</script>";

    private Browser browser;
    private ChromeDriver driver;
    private WebDriverWait wait;

    private void open() throws Exception {
        // Real time: the pages ask for "the last 30 days" by the browser's clock.
        clock.set(System.currentTimeMillis());
        upstream.handle(req -> FakeUpstream.json(req, 200, answer(1000, 1000)));
        startKeyMode(Map.of());
        browser = Browser.start();
        driver = browser.driver();
        wait = new WebDriverWait(driver, Duration.ofSeconds(15));
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class); // a table redrawn while read
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) browser.close();
    }

    private WebElement visible(String css) {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
    }

    private void page(String hash) {
        driver.get(gateway.url("/ui/#/" + hash));
        driver.navigate().refresh();
        visible("#page-" + hash.replaceAll("\\?.*", ""));
    }

    private void signIn() {
        driver.get(gateway.url("/ui/"));
        visible("#token").sendKeys(ADMIN);
        driver.findElement(By.id("sign-in-button")).click();
        visible("#nav");
    }

    private void assertNoAlert() {
        assertThatThrownBy(() -> driver.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
    }

    private String text(String css) {
        return visible(css).getText();
    }

    /** The table row whose first cell is exactly this text: its cells' texts. */
    private List<String> row(String tableCss, String first) {
        String xpath = "//*[@id='" + tableCss + "']//tbody/tr[td[1][normalize-space(.)='" + first + "']]";
        // Found and read in one step, again if the table is redrawn meanwhile.
        return wait.until(d -> {
            List<WebElement> rows = d.findElements(By.xpath(xpath));
            return rows.isEmpty() ? null : rows.get(0).findElements(By.tagName("td")).stream().map(WebElement::getText).toList();
        });
    }

    @Test
    void anAdminCreatesAKeySeesItsUsageAndRevokesIt() throws Exception {
        open();
        driver.get(gateway.url("/ui/"));
        visible("#token").sendKeys("not-the-token");
        browser.screenshot("sign-in");
        driver.findElement(By.id("sign-in-button")).click();
        assertThat(text("#sign-in-status .error")).isEqualTo("That is not the admin token.");
        WebElement token = driver.findElement(By.id("token"));
        token.clear();
        token.sendKeys(ADMIN);
        driver.findElement(By.id("sign-in-button")).click();
        assertThat(text("#who")).isEqualTo("admin-token · admin");
        // The token is nowhere the page keeps things, and the session cookie is out of script's reach.
        assertThat(driver.executeScript("return localStorage.length + sessionStorage.length")).isEqualTo(0L);
        assertThat((String) driver.executeScript("return document.cookie")).doesNotContain("tollgate_session");
        assertThat(driver.getCurrentUrl()).doesNotContain(ADMIN);
        Cookie cookie = driver.manage().getCookieNamed("tollgate_session");
        assertThat(cookie.isHttpOnly()).isTrue();
        assertThat(cookie.getSameSite()).isEqualTo("Strict");

        page("keys");
        visible("#key-name").sendKeys("chat app");
        driver.findElement(By.id("key-user")).sendKeys("ann");
        driver.findElement(By.id("key-team")).sendKeys("lab");
        driver.findElement(By.id("key-labels")).sendKeys("env=prod");
        driver.findElement(By.id("key-rpm")).sendKeys("100");
        driver.findElement(By.id("create-key-button")).click();
        String secret = text("#new-key-secret");
        assertThat(secret).startsWith("tg-");
        List<String> keyRow = row("key-list", "chat app");
        assertThat(keyRow.subList(1, 10)).containsExactly(secret.substring(0, 11) + "…", "active", "ann", "lab", "env=prod", "all",
                "rpm 100", "—", keyRow.get(9));
        browser.screenshot("keys-created");
        // Shown once: after a reload only the prefix is there.
        page("keys");
        assertThat(driver.findElements(By.id("new-key-secret"))).isEmpty();
        assertThat(driver.getPageSource()).doesNotContain(secret);

        for (int i = 0; i < 3; i++) assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);
        awaitLedgerQuiet();

        page("usage?group_by=model");
        // 3 chats × (1000 × $0.15 + 1000 × $0.60) / 1M = $0.00225
        assertThat(row("usage-result", "gpt-4o-mini-2024-07-18"))
                .containsExactly("gpt-4o-mini-2024-07-18", "3", "3,000", "0", "3,000", "0", "$0.00225");
        assertThat(text("#usage-total-requests")).isEqualTo("3");
        assertThat(text("#usage-total-cost")).isEqualTo("$0.00225");
        assertThat(visible("#usage-csv").getAttribute("href")).contains("/admin/v1/usage?group_by=model&from=").contains("&format=csv");
        browser.screenshot("usage-by-model");
        page("usage?group_by=user");
        assertThat(row("usage-result", "ann")).containsExactly("ann", "3", "3,000", "0", "3,000", "0", "$0.00225");
        page("usage?group_by=day");
        visible("#usage-result .uplot canvas");
        browser.screenshot("usage-by-day");

        // The CSV export, fetched as the browser would follow the link (the cookie, no token).
        Object csv = driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "fetch(document.getElementById('usage-csv').href.replace('group_by=day', 'group_by=model')).then(r => r.text()).then(done)");
        // (line ends compared loosely: the driver's string transport may turn CRLF into LF)
        assertThat(((String) csv).replace("\r\n", "\n")).isEqualTo("group,requests,input_tokens,cached_input_tokens,output_tokens,reasoning_tokens,cost_usd\n"
                + "gpt-4o-mini-2024-07-18,3,3000,0,3000,0,0.00225\n");

        page("overview");
        assertThat(text("#ov-requests")).isEqualTo("3");
        assertThat(text("#ov-cost")).isEqualTo("$0.00225");
        assertThat(text("#ov-input")).isEqualTo("3,000");
        assertThat(text("#ov-output")).isEqualTo("3,000");
        assertThat(text("#ov-error-rate")).isEqualTo("0.00%");
        assertThat(row("top-models", "gpt-4o-mini-2024-07-18")).containsExactly("gpt-4o-mini-2024-07-18", "3", "$0.00225");
        visible("#overview-result .uplot canvas");
        browser.screenshot("overview");

        String keyId = dev.tollgate.json.Json.parse(admin("GET", "/admin/v1/keys", null).body()).get("data").get(0).get("id").asText();
        page("requests");
        wait.until(d -> d.findElements(By.cssSelector("#requests-result tbody tr")).size() == 3);
        for (WebElement tr : driver.findElements(By.cssSelector("#requests-result tbody tr"))) {
            List<String> cells = tr.findElements(By.tagName("td")).stream().map(WebElement::getText).toList();
            assertThat(cells.subList(1, 10)).containsExactly(keyId, "ann", "lab",
                    "gpt-4o-mini-2024-07-18", "/v1/chat/completions", "200", "1,000", "1,000", "$0.00075");
        }
        browser.screenshot("requests");
        page("people");
        assertThat(row("users", "ann").subList(0, 5)).containsExactly("ann", "—", "—", "$0.00225", "1");
        browser.screenshot("users-and-teams");

        // Edit the key: a higher rate limit and a budget, which starts from this month's spend.
        page("keys");
        visible("#key-list button.edit").click();
        WebElement rpm = visible("#edit-key .edit-rpm");
        rpm.clear();
        rpm.sendKeys("200");
        driver.findElement(By.cssSelector("#edit-key .edit-budget")).sendKeys("0.003");
        driver.findElement(By.id("save-key")).click();
        visible("#key-saved");
        wait.until(d -> row("key-list", "chat app").get(7).equals("rpm 200"));
        assertThat(row("key-list", "chat app").get(8)).isEqualTo("$0.00225 of $0.003 monthly");
        browser.screenshot("keys-budget");

        page("config");
        List<String> adminToken = row("page-config", "TOLLGATE_ADMIN_TOKEN");
        assertThat(adminToken.subList(1, 3)).containsExactly("set", "configured");
        assertThat(driver.getPageSource()).doesNotContain(ADMIN).doesNotContain("sk-provider-secret-key-000");
        browser.screenshot("configuration");

        page("keys");
        visible("#key-list button.revoke").click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(d -> row("key-list", "chat app").get(2).equals("revoked"));
        HttpResponse<String> refused = chat(secret, CHAT);
        assertThat(refused.statusCode()).isEqualTo(401);

        driver.findElement(By.id("sign-out")).click();
        visible("#sign-in");
        assertThat(gateway.get("/ui/api/session", "Cookie", "tollgate_session=" + cookie.getValue()).statusCode()).isEqualTo(401);
        assertNoAlert();
    }

    @Test
    void aViewerSeesKeysButCannotCreateOne() throws Exception {
        open();
        createKey("{\"name\":\"existing\",\"user\":\"bob\"}");
        Session viewer = gateway.gateway().dashboard().sessions().create(Role.VIEWER, "viewer@example.com");
        driver.get(gateway.url("/ui/"));
        visible("#sign-in");
        driver.manage().addCookie(new Cookie.Builder("tollgate_session", viewer.cookieValue()).path("/").isHttpOnly(true).sameSite("Strict").build());
        page("keys");
        assertThat(text("#who")).isEqualTo("viewer@example.com · viewer");
        assertThat(row("key-list", "existing").get(2)).isEqualTo("active");
        assertThat(driver.findElements(By.id("create-key"))).isEmpty();
        assertThat(driver.findElements(By.cssSelector("#key-list button"))).isEmpty();
        browser.screenshot("viewer-keys");
        // Even calling the API from the page with the session's CSRF token, a viewer cannot create a key.
        Object answer = driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "fetch('/ui/api/session').then(r => r.json()).then(s => fetch('/admin/v1/keys', {method: 'POST',"
                + " headers: {'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token}, body: '{}'}))"
                + ".then(r => r.text().then(t => done(r.status + ' ' + t)))");
        assertThat(answer).isEqualTo("403 {\"error\":{\"message\":\"A viewer session can only read; ask an admin to make this change.\","
                + "\"type\":\"permission_error\",\"param\":null,\"code\":\"read_only_session\"}}");
        assertThat(admin("GET", "/admin/v1/keys", null).body()).doesNotContain("\"name\":\"\"").contains("\"name\":\"existing\"");
        assertThat(com.fasterxml.jackson.databind.node.ArrayNode.class.cast(
                dev.tollgate.json.Json.parse(admin("GET", "/admin/v1/keys", null).body()).get("data")).size()).isEqualTo(1);
    }

    @Test
    void valuesThatLookLikeMarkupAreShownAsText() throws Exception {
        open();
        createKey("{\"name\":\"" + IMG + "\",\"user\":\"mallory\",\"labels\":{\"note\":\"" + SCRIPT.replace("\"", "\\\"") + "\"}}");
        signIn();
        page("keys");
        // And one through the form, as an admin would type it.
        visible("#key-name").sendKeys(SCRIPT);
        driver.findElement(By.id("key-labels")).sendKeys("x=" + IMG);
        driver.findElement(By.id("create-key-button")).click();
        visible("#new-key-secret");
        List<String> first = row("key-list", IMG);
        assertThat(first.get(5)).isEqualTo("note=" + SCRIPT);
        List<String> second = row("key-list", SCRIPT);
        assertThat(second.get(5)).isEqualTo("x=" + IMG);
        assertThat(driver.findElements(By.cssSelector("#key-list img, #key-list script"))).isEmpty();
        assertThat(driver.findElements(By.cssSelector("body script"))).isEmpty();
        assertNoAlert();
        browser.screenshot("markup-as-text");

        visible("#filter-text").sendKeys("onerror");
        driver.findElement(By.id("apply-filters")).click();
        wait.until(d -> d.findElements(By.cssSelector("#key-list tbody tr")).size() == 2);
        page("usage?group_by=key");
        page("people");
        assertThat(row("users", "mallory").get(0)).isEqualTo("mallory");
        assertNoAlert();

        // What an upstream answers reaches the request records, the overview and usage: a model named like markup.
        upstream.handle(req -> FakeUpstream.json(req, 200, answer(1000, 1000).replace("gpt-4o-mini-2024-07-18", IMG)));
        String secret = createKey("{\"name\":\"caller\"}").get("key").asText();
        assertThat(chat(secret, CHAT).statusCode()).isEqualTo(200);
        awaitLedgerQuiet();
        for (String p : List.of("requests", "overview", "usage?group_by=model")) {
            page(p);
            String id = "#page-" + p.replaceAll("\\?.*", "");
            wait.until(d -> d.findElement(By.cssSelector(id)).getText().contains(IMG));
            assertThat(driver.findElements(By.cssSelector(id + " img, " + id + " script"))).as(p).isEmpty();
            assertNoAlert();
        }
        browser.screenshot("markup-in-requests");
    }
}
