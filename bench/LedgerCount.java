import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;

/** Prints the number of ledger rows in a Tollgate SQLite file (run with the tollgate jar on the classpath). */
public class LedgerCount {
    public static void main(String[] args) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + args[0]);
             ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM ledger")) {
            rs.next();
            System.out.println(rs.getLong(1));
        }
    }
}
